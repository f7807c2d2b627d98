// Package awsjson is the part of AWS's JSON 1.1 protocol the AWS fakes
// share (Secrets Manager and CloudWatch Logs speak it): a POST whose
// operation is named in X-Amz-Target, a SigV4 Authorization header, errors
// as status 400 with the error's type in "__type"
// (https://smithy.io/2.0/aws/protocols/aws-json-1_1-protocol.html).
package awsjson

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
)

// Account is the AWS account the fakes pretend to be in, in their ARNs and
// access-denied messages.
const Account = "123456789012"

const contentType = "application/x-amz-json-1.1"

// Operation is the operation of an AWS JSON 1.1 request (POST, with the
// operation in X-Amz-Target after prefix); ok is false when it answered an
// error instead.
func Operation(w http.ResponseWriter, r *http.Request, prefix string) (op string, ok bool) {
	op, ok = strings.CutPrefix(r.Header.Get("X-Amz-Target"), prefix)
	if r.Method != http.MethodPost || !ok {
		Error(w, "UnknownOperationException", "fake: expected POST with X-Amz-Target: "+prefix+"<Operation>")
		return "", false
	}
	return op, true
}

// Allowed answers an error and returns false when the request is not
// SigV4-signed (the signature is not checked) or deny is on; action is the
// IAM action the access-denied message names.
func Allowed(w http.ResponseWriter, r *http.Request, deny bool, action string) bool {
	if !strings.HasPrefix(r.Header.Get("Authorization"), "AWS4-HMAC-SHA256 ") {
		Error(w, "UnrecognizedClientException", "The security token included in the request is invalid.")
		return false
	}
	if deny {
		Error(w, "AccessDeniedException", fmt.Sprintf("User: arn:aws:iam::%s:user/fake is not authorized to perform: %s because no identity-based policy allows the action", Account, action))
		return false
	}
	return true
}

// Write answers v as a successful response.
func Write(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", contentType)
	_ = json.NewEncoder(w).Encode(v)
}

// Error writes an AWS JSON 1.1 error: status 400 and the type in __type.
func Error(w http.ResponseWriter, typ, msg string) {
	w.Header().Set("Content-Type", contentType)
	w.WriteHeader(http.StatusBadRequest)
	_ = json.NewEncoder(w).Encode(map[string]string{"__type": typ, "message": msg})
}
