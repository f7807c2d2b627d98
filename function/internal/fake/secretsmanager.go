package fake

import (
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"
)

// SecretsManagerRegion and SecretsManagerAccount appear in the ARNs the
// fake hands out.
const (
	SecretsManagerRegion  = "ap-northeast-1"
	SecretsManagerAccount = "123456789012"
)

// SecretsManagerServer is a fake of AWS Secrets Manager's JSON 1.1 API:
// GetSecretValue, PutSecretValue, DescribeSecret and CreateSecret, by name
// or ARN, for string secrets. Point aws-sdk-go-v2 at URL (BaseEndpoint, or
// AWS_ENDPOINT_URL_SECRETS_MANAGER) with any static credentials: requests
// must be SigV4-signed, the signature is not checked. It is safe for
// concurrent use.
type SecretsManagerServer struct {
	URL string

	srv *http.Server

	mu      sync.Mutex
	secrets map[string]*smSecret // by name
	counts  map[string]int
	deny    bool
}

type smSecret struct {
	name     string
	value    *string // nil: created without a value
	binary   []byte
	version  int
	created  time.Time
	modified time.Time
}

// StartSecretsManager starts the fake on a loopback port holding secrets
// (name → SecretString). Close it when done.
func StartSecretsManager(secrets map[string]string) (*SecretsManagerServer, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("fake secrets manager: %w", err)
	}
	s := &SecretsManagerServer{
		URL:     "http://" + ln.Addr().String(),
		secrets: map[string]*smSecret{},
		counts:  map[string]int{},
	}
	for name, v := range secrets {
		s.Set(name, v)
	}
	s.srv = &http.Server{Handler: http.HandlerFunc(s.serve), ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = s.srv.Serve(ln) }()
	return s, nil
}

// Close stops the server.
func (s *SecretsManagerServer) Close() error { return s.srv.Close() }

// Set stores value as the current SecretString of the secret, creating it
// if needed.
func (s *SecretsManagerServer) Set(name, value string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.put(s.secret(name, true), &value, nil)
}

// CreateEmpty creates the secret without a value, as CloudFormation does
// for the stack's secret (no SecretString, no GenerateSecretString):
// GetSecretValue then answers ResourceNotFoundException "can't find the
// specified secret value for staging label: AWSCURRENT". An existing
// secret loses its value.
func (s *SecretsManagerServer) CreateEmpty(name string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	sec := s.secret(name, true)
	sec.value, sec.binary = nil, nil
}

// SetBinary stores a binary value (no SecretString), creating the secret if
// needed.
func (s *SecretsManagerServer) SetBinary(name string, value []byte) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.put(s.secret(name, true), nil, value)
}

// Get returns the secret's current SecretString.
func (s *SecretsManagerServer) Get(name string) (string, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	sec := s.secrets[name]
	if sec == nil || sec.value == nil {
		return "", false
	}
	return *sec.value, true
}

// Deny makes every request fail with AccessDeniedException.
func (s *SecretsManagerServer) Deny(on bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.deny = on
}

// Count is the number of requests for an operation ("GetSecretValue", …),
// failed ones included.
func (s *SecretsManagerServer) Count(op string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.counts[op]
}

// ARN is the ARN the fake gives the secret name.
func (s *SecretsManagerServer) ARN(name string) string {
	sum := sha256.Sum256([]byte(name))
	const letters = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
	suffix := make([]byte, 6)
	for i := range suffix {
		suffix[i] = letters[int(sum[i])%len(letters)]
	}
	return fmt.Sprintf("arn:aws:secretsmanager:%s:%s:secret:%s-%s", SecretsManagerRegion, SecretsManagerAccount, name, suffix)
}

// secret finds a secret by name or ARN, creating it by name if create.
func (s *SecretsManagerServer) secret(id string, create bool) *smSecret {
	if sec := s.secrets[id]; sec != nil {
		return sec
	}
	for name, sec := range s.secrets {
		if s.ARN(name) == id {
			return sec
		}
	}
	if !create {
		return nil
	}
	now := time.Now()
	sec := &smSecret{name: id, created: now, modified: now}
	s.secrets[id] = sec
	return sec
}

func (s *SecretsManagerServer) put(sec *smSecret, value *string, binary []byte) {
	sec.value, sec.binary = value, binary
	sec.version++
	sec.modified = time.Now()
}

func smVersionID(n int) string { return fmt.Sprintf("00000000-0000-4000-8000-%012d", n) }

func smEpoch(t time.Time) float64 { return float64(t.UnixMilli()) / 1000 }

func (s *SecretsManagerServer) serve(w http.ResponseWriter, r *http.Request) {
	op, ok := awsOperation(w, r, "secretsmanager.")
	if !ok {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.counts[op]++
	if !awsAllowed(w, r, s.deny, "secretsmanager:"+op) {
		return
	}
	var in struct {
		SecretID     string `json:"SecretId"`
		Name         string `json:"Name"`
		SecretString *string
		SecretBinary []byte
		Description  string
	}
	if err := json.NewDecoder(r.Body).Decode(&in); err != nil {
		smError(w, "SerializationException", "fake secrets manager: bad JSON body")
		return
	}
	notFound := func() { smError(w, "ResourceNotFoundException", "Secrets Manager can't find the specified secret.") }
	switch op {
	case "GetSecretValue":
		sec := s.secret(in.SecretID, false)
		if sec == nil {
			notFound()
			return
		}
		if sec.value == nil && sec.binary == nil {
			smError(w, "ResourceNotFoundException", "Secrets Manager can't find the specified secret value for staging label: AWSCURRENT")
			return
		}
		out := map[string]any{
			"ARN": s.ARN(sec.name), "Name": sec.name, "VersionId": smVersionID(sec.version),
			"VersionStages": []string{"AWSCURRENT"}, "CreatedDate": smEpoch(sec.modified),
		}
		if sec.value != nil {
			out["SecretString"] = *sec.value
		} else {
			out["SecretBinary"] = sec.binary // base64, as AWS sends it
		}
		smWrite(w, out)
	case "PutSecretValue":
		sec := s.secret(in.SecretID, false)
		if sec == nil {
			notFound()
			return
		}
		s.put(sec, in.SecretString, in.SecretBinary)
		smWrite(w, map[string]any{"ARN": s.ARN(sec.name), "Name": sec.name, "VersionId": smVersionID(sec.version), "VersionStages": []string{"AWSCURRENT"}})
	case "DescribeSecret":
		sec := s.secret(in.SecretID, false)
		if sec == nil {
			notFound()
			return
		}
		out := map[string]any{"ARN": s.ARN(sec.name), "Name": sec.name, "CreatedDate": smEpoch(sec.created), "LastChangedDate": smEpoch(sec.modified)}
		if sec.version > 0 {
			out["VersionIdsToStages"] = map[string][]string{smVersionID(sec.version): {"AWSCURRENT"}}
		}
		smWrite(w, out)
	case "CreateSecret":
		if in.Name == "" {
			smError(w, "InvalidParameterException", "You must provide a name.")
			return
		}
		if s.secrets[in.Name] != nil {
			smError(w, "ResourceExistsException", fmt.Sprintf("The operation failed because the secret %s already exists.", in.Name))
			return
		}
		sec := s.secret(in.Name, true)
		out := map[string]any{"ARN": s.ARN(sec.name), "Name": sec.name}
		if in.SecretString != nil || in.SecretBinary != nil {
			s.put(sec, in.SecretString, in.SecretBinary)
			out["VersionId"] = smVersionID(sec.version)
		}
		smWrite(w, out)
	default:
		smError(w, "UnknownOperationException", "fake secrets manager: unsupported operation "+op)
	}
}

func smWrite(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/x-amz-json-1.1")
	_ = json.NewEncoder(w).Encode(v)
}

// awsOperation is the operation of an AWS JSON 1.1 request (POST, with the
// operation in X-Amz-Target after prefix); ok is false when it answered an
// error instead.
func awsOperation(w http.ResponseWriter, r *http.Request, prefix string) (op string, ok bool) {
	op, ok = strings.CutPrefix(r.Header.Get("X-Amz-Target"), prefix)
	if r.Method != http.MethodPost || !ok {
		smError(w, "UnknownOperationException", "fake: expected POST with X-Amz-Target: "+prefix+"<Operation>")
		return "", false
	}
	return op, true
}

// awsAllowed answers an error and returns false when the request is not
// SigV4-signed (the signature is not checked) or deny is on.
func awsAllowed(w http.ResponseWriter, r *http.Request, deny bool, action string) bool {
	if !strings.HasPrefix(r.Header.Get("Authorization"), "AWS4-HMAC-SHA256 ") {
		smError(w, "UnrecognizedClientException", "The security token included in the request is invalid.")
		return false
	}
	if deny {
		smError(w, "AccessDeniedException", fmt.Sprintf("User: arn:aws:iam::%s:user/fake is not authorized to perform: %s because no identity-based policy allows the action", SecretsManagerAccount, action))
		return false
	}
	return true
}

// smError writes an AWS JSON 1.1 error: status 400 and the type in __type.
func smError(w http.ResponseWriter, typ, msg string) {
	w.Header().Set("Content-Type", "application/x-amz-json-1.1")
	w.WriteHeader(http.StatusBadRequest)
	_ = json.NewEncoder(w).Encode(map[string]string{"__type": typ, "message": msg})
}
