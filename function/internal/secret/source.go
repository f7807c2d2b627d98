package secret

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/smithy-go"

	"garoon-calendar-sync/shared/contract"
)

// Source is where the credentials come from.
type Source interface {
	Load(ctx context.Context) (Credentials, error)
}

// File reads the secret's JSON object from a local file (the CLI's
// --secret-file, GAROON_SYNC_SECRET_FILE).
func File(path string) Source { return fileSource(path) }

type fileSource string

func (p fileSource) Load(ctx context.Context) (Credentials, error) {
	data, err := os.ReadFile(string(p))
	if errors.Is(err, fs.ErrNotExist) {
		return Credentials{}, &explained{fmt.Sprintf("secret file %s does not exist", string(p)), err}
	}
	if err != nil {
		return Credentials{}, fmt.Errorf("secret file: %w", err)
	}
	c, err := parse(data)
	if err != nil {
		return Credentials{}, fmt.Errorf("secret file %s: %w", string(p), err)
	}
	return c, nil
}

// SecretsManagerAPI is the part of *secretsmanager.Client the source uses.
type SecretsManagerAPI interface {
	GetSecretValue(ctx context.Context, in *secretsmanager.GetSecretValueInput, optFns ...func(*secretsmanager.Options)) (*secretsmanager.GetSecretValueOutput, error)
}

// SecretsManager reads the secret id (a name or an ARN) from AWS Secrets
// Manager.
func SecretsManager(client SecretsManagerAPI, id string) Source {
	return &smSource{client: client, id: id}
}

type smSource struct {
	client SecretsManagerAPI
	id     string
}

func (s *smSource) Load(ctx context.Context) (Credentials, error) {
	out, err := s.client.GetSecretValue(ctx, &secretsmanager.GetSecretValueInput{SecretId: aws.String(s.id)})
	if err != nil {
		return Credentials{}, s.explain(err)
	}
	if out.SecretString == nil {
		return Credentials{}, fmt.Errorf("secret %s has no string value (a binary secret?): store the JSON object with `garoon-sync secret put`", s.id)
	}
	c, err := parse([]byte(*out.SecretString))
	if err != nil {
		return Credentials{}, fmt.Errorf("secret %s: %w: fix it with `garoon-sync secret put`", s.id, err)
	}
	return c, nil
}

// explain turns the errors a person can fix into what went wrong, in one
// clause: the SDK's operation error (request id, status code, retries)
// stays reachable with errors.As, not in the text.
func (s *smSource) explain(err error) error {
	var api smithy.APIError
	if !errors.As(err, &api) {
		return fmt.Errorf("secret %s: get secret value: %w", s.id, err)
	}
	switch api.ErrorCode() {
	case "ResourceNotFoundException":
		if noValueYet(api) {
			return &explained{fmt.Sprintf("secret %s has no value yet (the stack creates it empty)", s.id), errors.Join(ErrNoValue, err)}
		}
		return &explained{fmt.Sprintf("secret %s does not exist in %s", s.id, s.region()), err}
	case "AccessDeniedException":
		return &explained{fmt.Sprintf("secret %s: access denied: the caller needs secretsmanager:GetSecretValue on it (and kms:Decrypt if it uses its own key): %s", s.id, api.ErrorMessage()), err}
	case "DecryptionFailure":
		return &explained{fmt.Sprintf("secret %s: cannot decrypt it: the caller needs kms:Decrypt on the secret's key: %s", s.id, api.ErrorMessage()), err}
	}
	return fmt.Errorf("secret %s: get secret value: %w", s.id, err)
}

// ErrNoValue: the secret exists but has no value yet, as the stack creates
// it. Not a failure of the deployment: a step of the setup that has not
// happened (garoon-sync secret put).
var ErrNoValue = errors.New("the secret has no value yet")

// noValueYet tells "the secret exists, without a current version" from "no
// such secret". GetSecretValue answers ResourceNotFoundException to both;
// only the message differs: "Secrets Manager can't find the specified
// secret value for staging label: AWSCURRENT" for a secret created without
// a value (github.com/boto/boto3/issues/2794, a real account's answer to
// `aws secretsmanager create-secret --name empty` then get-secret-value;
// the same wording for another label in
// github.com/aws/aws-sdk-js-v3/issues/7701), against "Secrets Manager can't
// find the specified secret." for a missing one. The function's role may
// only GetSecretValue, so DescribeSecret, which would show the versions, is
// not an option.
func noValueYet(api smithy.APIError) bool {
	return strings.Contains(api.ErrorMessage(), "secret value for staging label")
}

// explained is an error with a message of its own that still unwraps to
// the SDK's.
type explained struct {
	msg string
	err error
}

func (e *explained) Error() string { return e.msg }
func (e *explained) Unwrap() error { return e.err }

func (s *smSource) region() string {
	if c, ok := s.client.(interface{ Options() secretsmanager.Options }); ok && c.Options().Region != "" {
		return c.Options().Region
	}
	return "this region"
}

// Cached keeps the credentials src loaded for ttl, so warm Lambda
// invocations do not each call Secrets Manager. A failed load is not kept:
// the next Load tries again.
func Cached(src Source, ttl time.Duration) Source {
	return &cached{src: src, ttl: ttl, now: time.Now}
}

type cached struct {
	src Source
	ttl time.Duration
	now func() time.Time

	mu     sync.Mutex
	val    Credentials
	loaded time.Time
	ok     bool
}

func (c *cached) Load(ctx context.Context) (Credentials, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.ok && c.now().Sub(c.loaded) < c.ttl {
		return c.val, nil
	}
	v, err := c.src.Load(ctx)
	if err != nil {
		return Credentials{}, err
	}
	c.val, c.loaded, c.ok = v, c.now(), true
	return v, nil
}

// FromEnv picks the source the environment names:
// GAROON_SYNC_SECRET_FILE (a local file), else SECRET_ID or its alias
// SECRET_NAME (a Secrets Manager secret, with the AWS SDK's usual
// configuration: credentials, AWS_REGION, AWS_ENDPOINT_URL_SECRETS_MANAGER).
// opts adjust that configuration (the CLI silences the SDK's own logging).
func FromEnv(ctx context.Context, getenv func(string) string, opts ...func(*config.LoadOptions) error) (Source, error) {
	if path := strings.TrimSpace(getenv(contract.EnvSecretFile)); path != "" {
		return File(path), nil
	}
	id := strings.TrimSpace(getenv(contract.EnvSecretID))
	if id == "" {
		id = strings.TrimSpace(getenv(contract.EnvSecretName))
	}
	if id == "" {
		return nil, fmt.Errorf("secret: no secret configured: set %s to a JSON file (CLI), or %s (alias %s) to the name or ARN of a Secrets Manager secret, e.g. %s",
			contract.EnvSecretFile, contract.EnvSecretID, contract.EnvSecretName, contract.SecretName("dev"))
	}
	cfg, err := AWSConfig(ctx, getenv, opts...)
	if err != nil {
		return nil, fmt.Errorf("secret %s: %w", id, err)
	}
	if cfg.Region == "" {
		cfg.Region = arnRegion(id)
	}
	if cfg.Region == "" {
		return nil, fmt.Errorf("secret %s: no AWS region (AWS_REGION is not set and the id is not an ARN)", id)
	}
	// LoadDefaultConfig already honours AWS_ENDPOINT_URL_SECRETS_MANAGER
	// from the process environment; getenv may be another environment.
	endpoint := getenv(contract.EnvSecretsManagerURL)
	client := secretsmanager.NewFromConfig(cfg, func(o *secretsmanager.Options) {
		if endpoint != "" {
			o.BaseEndpoint = aws.String(endpoint)
		}
	})
	return SecretsManager(client, id), nil
}

// AWSConfig is the AWS SDK's default configuration, with the region and
// static credentials (AWS_REGION, AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY,
// AWS_SESSION_TOKEN) taken from getenv, which may be another environment
// than the process's (the demo's, a test's). With the process environment
// it is exactly LoadDefaultConfig: environment credentials come first there
// too. extra options come last and win.
func AWSConfig(ctx context.Context, getenv func(string) string, extra ...func(*config.LoadOptions) error) (aws.Config, error) {
	var opts []func(*config.LoadOptions) error
	if r := getenv("AWS_REGION"); r != "" {
		opts = append(opts, config.WithRegion(r))
	}
	if id, key := getenv("AWS_ACCESS_KEY_ID"), getenv("AWS_SECRET_ACCESS_KEY"); id != "" && key != "" {
		opts = append(opts, config.WithCredentialsProvider(credentials.NewStaticCredentialsProvider(id, key, getenv("AWS_SESSION_TOKEN"))))
	}
	cfg, err := config.LoadDefaultConfig(ctx, append(opts, extra...)...)
	if err != nil {
		return aws.Config{}, fmt.Errorf("AWS configuration: %w", err)
	}
	return cfg, nil
}

// arnRegion is the region of an ARN ("arn:aws:secretsmanager:REGION:…"), or "".
func arnRegion(id string) string {
	parts := strings.SplitN(id, ":", 5)
	if len(parts) == 5 && parts[0] == "arn" {
		return parts[3]
	}
	return ""
}
