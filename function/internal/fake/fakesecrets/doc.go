// Package fakesecrets stands in for AWS Secrets Manager on 127.0.0.1, so
// that internal/secret and `garoon-sync secret`, demo and doctor run their
// real aws-sdk-go-v2 client against it (nothing here imports "testing").
//
// Its behaviour comes from the Secrets Manager API Reference
// (https://docs.aws.amazon.com/secretsmanager/latest/apireference/):
// GetSecretValue, PutSecretValue, DescribeSecret and CreateSecret with their
// documented error types (ResourceNotFoundException, ResourceExistsException,
// InvalidParameterException, AccessDeniedException), over the AWS JSON 1.1
// protocol that fake/internal/awsjson describes. Messages are the ones AWS
// answers with where they are known, and otherwise say they come from the
// fake.
package fakesecrets
