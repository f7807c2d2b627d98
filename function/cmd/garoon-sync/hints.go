package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"regexp"
	"strings"

	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials/ssocreds"
	"github.com/aws/smithy-go"
	"github.com/aws/smithy-go/logging"

	"garoon-calendar-sync/function/internal/imapmail"
	"garoon-calendar-sync/function/internal/secret"
	"garoon-calendar-sync/function/internal/syncer"
	"garoon-calendar-sync/shared/contract"
)

// secretPlace is where a command reads the secret from. Every fix the CLI
// suggests is for that place, with its real name: a local file is edited
// (or filled by `authorize --out`), a Secrets Manager secret is filled by
// `secret put`.
type secretPlace struct {
	file string // a local JSON file (--secret-file, GAROON_SYNC_SECRET_FILE)
	id   string // a Secrets Manager secret name or ARN (--env, --secret-id, SECRET_ID, SECRET_NAME)
	env  string // the environment the secret belongs to, when known
}

// placeFromEnv is the place secret.FromEnv reads with the same getenv.
func placeFromEnv(getenv func(string) string) secretPlace {
	if f := strings.TrimSpace(getenv(contract.EnvSecretFile)); f != "" {
		return secretPlace{file: f}
	}
	id := strings.TrimSpace(getenv(contract.EnvSecretID))
	if id == "" {
		id = strings.TrimSpace(getenv(contract.EnvSecretName))
	}
	return secretPlace{id: id, env: envOfSecret(id)}
}

// arnSecretName is the name in a secret's ARN: "The ARN includes the name
// of the secret followed by six random characters" (CreateSecret's ARN,
// https://docs.aws.amazon.com/secretsmanager/latest/apireference/API_CreateSecret.html),
// joined by a hyphen (the CDK's "6-character suffix" of a complete ARN).
var arnSecretName = regexp.MustCompile(`^arn:[^:]+:secretsmanager:[^:]*:[^:]*:secret:(.+)-[A-Za-z0-9]{6}$`)

// envOfSecret is NAME for the secret contract.SecretName(NAME), by name or
// ARN, else "".
func envOfSecret(id string) string {
	if m := arnSecretName.FindStringSubmatch(id); m != nil {
		id = m[1]
	}
	env, ok := strings.CutPrefix(id, contract.SecretName(""))
	if !ok || env == "" || strings.Contains(env, "/") {
		return ""
	}
	return env
}

// selector is the flag that names the place to the secret commands.
func (p secretPlace) selector() string {
	switch {
	case p.file != "":
		return "--secret-file " + shellWord(p.file)
	case p.env != "":
		return "--env " + shellWord(p.env)
	}
	return "--secret-id " + shellWord(p.id)
}

func (p secretPlace) checkCommand() string { return "garoon-sync secret check " + p.selector() }

// authorizeInto is the command that writes the three Google keys into the
// place.
func (p secretPlace) authorizeInto() string { return p.authorize(false) }

// authorize is authorizeInto, asking for Gmail too when gmail is set (the
// secret's Gmail login uses the Google token: a new consent must include
// Gmail again).
func (p secretPlace) authorize(gmail bool) string {
	cmd := "garoon-sync authorize --client-secret credentials.json"
	if gmail {
		cmd = "garoon-sync authorize --gmail --client-secret credentials.json"
	}
	switch {
	case p.file != "":
		return cmd + " --out " + shellWord(p.file)
	case p.env != "" && gmail:
		return contract.FixInvalidGrantGmail(p.env)
	case p.env != "":
		return contract.FixInvalidGrant(p.env)
	}
	return cmd + " --out token.json && garoon-sync secret put " + p.selector() + " --from-file token.json && rm token.json"
}

// fixKey says how to fill one missing or wrong key.
func (p secretPlace) fixKey(key string) string {
	if googleKey(key) {
		return p.authorizeInto()
	}
	if p.file != "" {
		return fmt.Sprintf("add %q to %s", key, p.file)
	}
	if key == contract.KeyGmailPassword && p.env != "" {
		return contract.FixGmailLogin(p.env)
	}
	return "garoon-sync secret put " + p.selector() + " --ask " + key
}

// fixContent is the fix for a secret that is incomplete or malformed. For
// a local file whose Gmail login would use the Google token (as secret
// check judges it), the consent must include Gmail: authorize --gmail.
func (p secretPlace) fixContent() string {
	if p.file != "" {
		var values map[string]string
		gmail := false
		if b, err := os.ReadFile(p.file); err == nil && json.Unmarshal(b, &values) == nil {
			gmail = gmailOAuth(values)
		}
		return fmt.Sprintf("edit %s (`%s` writes the Google keys); `%s` lists what is missing",
			p.file, p.authorize(gmail), p.checkCommand())
	}
	return fmt.Sprintf("`garoon-sync secret put %s` asks for what is missing; `%s` lists it", p.selector(), p.checkCommand())
}

// fixGmailLogin stores a new Gmail app password in the place.
func (p secretPlace) fixGmailLogin() string {
	if p.file != "" {
		return fmt.Sprintf("turn on 2-Step Verification, create an app password, put it in %s as %q", p.file, contract.KeyGmailPassword)
	}
	return "turn on 2-Step Verification, create an app password, store it: `" + p.fixKey(contract.KeyGmailPassword) + "`"
}

// fixInvalidGrant replaces the Google refresh token in the place; gmail:
// the secret's Gmail login uses the token too.
func (p secretPlace) fixInvalidGrant(gmail bool) string { return "`" + p.authorize(gmail) + "`" }

// fixLoad is the one next step after the secret could not be loaded from p.
func (p secretPlace) fixLoad(err error) string {
	var api smithy.APIError
	switch {
	case errors.Is(err, errNoAWSCredentials):
		return fixAWSLogin
	case errors.As(err, &api) && isExpiredCredentials(api.ErrorCode()):
		return fixAWSLogin
	case errors.Is(err, errDemoNotSourced):
		return demoSourceHint()
	case p.file != "" && errors.Is(err, fs.ErrNotExist):
		return fmt.Sprintf("create it: `%s` writes the Google keys; add %s, %s and %s (README: Configuration)",
			p.authorizeInto(), contract.KeyGmailAddress, contract.KeyGmailPassword, contract.KeyGaroonSender)
	case errors.Is(err, errNoSecret):
		return "" // the error says which flags
	case errors.Is(err, secret.ErrNoValue):
		return "next step: `garoon-sync secret put " + p.selector() + "`, then `" + p.checkCommand() + "`"
	case errors.As(err, &api) && api.ErrorCode() == "ResourceNotFoundException" && p.env != "":
		return "`make deploy ENV=" + p.env + "` creates it (or set AWS_REGION to the region it is deployed in)"
	case errors.As(err, &api) && api.ErrorCode() == "ResourceNotFoundException":
		return "check the secret's name and AWS_REGION"
	case errors.As(err, &api):
		return "" // access denied, decryption: the error says what is missing
	case strings.Contains(err.Error(), "no AWS region"):
		return "set AWS_REGION to the region the stack is deployed in (cdk.json's region, e.g. ap-northeast-1), or AWS_PROFILE to a profile with one"
	}
	return p.fixContent()
}

// fixRun is the next step after a run that failed with err, for the place
// its secret came from; gmailOAuth: the secret's Gmail login uses the
// Google token.
func (p secretPlace) fixRun(err error, gmailOAuth bool) string {
	switch {
	case err == nil:
		return ""
	case errors.Is(err, imapmail.ErrTokenRefused):
		return p.fixInvalidGrant(true)
	case errors.Is(err, syncer.ErrInvalidGrant):
		return p.fixInvalidGrant(gmailOAuth)
	case errors.Is(err, imapmail.ErrAuth):
		return p.fixGmailLogin()
	case errors.Is(err, syncer.ErrTooManyDeletes):
		return "check the deletes with `garoon-sync run " + p.selector() + " --dry-run --max-deletes -1`; if they are real, run once with a higher limit (--max-deletes N, or " + contract.EnvMaxDeletes + ")"
	case p.file != "":
		return "`garoon-sync doctor --secret-file " + shellWord(p.file) + "` finds what is wrong"
	case p.env != "":
		return "`" + contract.FixDiagnose(p.env) + "` finds what is wrong"
	}
	return "`garoon-sync doctor` (in the same environment) finds what is wrong"
}

// errNoSecret: neither a file nor a Secrets Manager secret was named.
var errNoSecret = errors.New("no secret given: use --secret-file FILE (a local JSON file) or --env NAME (the Secrets Manager secret " +
	contract.SecretName("NAME") + "), or set " + contract.EnvSecretFile + " or " + contract.EnvSecretID)

// loadSecret loads the credentials from where getenv says, as the Lambda
// does (secretSource).
func loadSecret(ctx context.Context, getenv func(string) string) (secret.Credentials, secretPlace, error) {
	src, place, err := secretSource(ctx, getenv)
	if err != nil {
		return secret.Credentials{}, place, err
	}
	creds, err := src.Load(ctx)
	return creds, place, err
}

// secretSource is the secret where getenv says, read as the Lambda reads
// it (secret.FromEnv), after the checks that turn the CLI's common mistakes
// into one clear line: no secret named, --env demo without the demo's
// environment, no AWS credentials.
func secretSource(ctx context.Context, getenv func(string) string) (secret.Source, secretPlace, error) {
	place := placeFromEnv(getenv)
	var opts []func(*config.LoadOptions) error
	switch {
	case place.file != "":
	case place.id == "":
		return nil, place, errNoSecret
	case demoNotSourced(place.env, getenv):
		return nil, place, errDemoNotSourced
	default:
		var err error
		if opts, err = awsOptions(ctx, getenv); err != nil {
			return nil, place, fmt.Errorf("secret %s: %w", place.id, err)
		}
	}
	src, err := secret.FromEnv(ctx, getenv, opts...)
	return src, place, err
}

// isExpiredCredentials: AWS refused the credentials themselves: "The
// security token included in the request is expired" (ExpiredTokenException),
// an unknown access key (UnrecognizedClientException,
// https://docs.aws.amazon.com/awsconsolehelpdocs/latest/gsg/common-errors.html;
// InvalidClientTokenId,
// https://docs.aws.amazon.com/secretsmanager/latest/apireference/CommonErrors.html).
func isExpiredCredentials(code string) bool {
	switch code {
	case "ExpiredTokenException", "UnrecognizedClientException", "InvalidClientTokenId":
		return true
	}
	return false
}

// errNoAWSCredentials: the AWS SDK found no credentials to sign with.
var errNoAWSCredentials = errors.New("no AWS credentials")

// fixAWSLogin is the hint `make diff` gives for the same problem.
const fixAWSLogin = "log in (e.g. aws sso login, or export AWS_PROFILE) and run it again"

// quietSDK keeps the AWS SDK's own log lines (such as "falling back to
// IMDSv1" from the EC2 metadata client) out of the CLI's output: the
// errors carry what matters.
var quietSDK = config.WithLogger(logging.Nop{})

// awsOptions loads the AWS configuration the way secret.AWSConfig does and
// checks that it has credentials before any request: without them, every
// request fails with the whole provider chain's story, ending with the EC2
// metadata service's ("no EC2 IMDS role found"), which does not tell a
// laptop user to log in. The options it returns reuse the credentials
// found, so they are retrieved once.
func awsOptions(ctx context.Context, getenv func(string) string) ([]func(*config.LoadOptions) error, error) {
	cfg, err := secret.AWSConfig(ctx, getenv, quietSDK)
	if err != nil {
		return nil, err
	}
	if cfg.Credentials == nil {
		return nil, errNoAWSCredentials
	}
	if _, err := cfg.Credentials.Retrieve(ctx); err != nil {
		var sso *ssocreds.InvalidTokenError
		if errors.As(err, &sso) {
			return nil, fmt.Errorf("%w: the AWS SSO session has expired", errNoAWSCredentials)
		}
		return nil, errNoAWSCredentials
	}
	return []func(*config.LoadOptions) error{quietSDK, config.WithCredentialsProvider(cfg.Credentials)}, nil
}

// errDemoNotSourced: --env demo names the demo's fakes, but this shell does
// not point at them.
var errDemoNotSourced = errors.New(`the environment "demo" is the fakes of ` + "`make demo-serve`" + `, and this shell does not point at them`)

// demoNotSourced is true for --env demo in a shell where the file demo
// --serve writes was not sourced: no real AWS account has that environment.
func demoNotSourced(env string, getenv func(string) string) bool {
	return env == demoEnv && getenv(contract.EnvSecretsManagerURL) == ""
}

// demoSourceHint names the env file of a running demo --serve, or says how
// to get one.
func demoSourceHint() string {
	if _, err := os.Stat(defaultDemoEnvFile()); err == nil {
		return "`source " + shellWord(defaultDemoEnvFile()) + "` (written by the running `make demo-serve`), then run it again"
	}
	return "start `make demo-serve` in another terminal, `source` the file it prints, then run it again"
}

// shellWord quotes s for a POSIX shell when it needs it.
func shellWord(s string) string {
	if s != "" && strings.Trim(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_./:=@+,%") == "" {
		return s
	}
	return shellQuote(s)
}

// reworded is an error said for people that still unwraps to the original.
type reworded struct {
	msg string
	err error
}

func (r *reworded) Error() string { return r.msg }
func (r *reworded) Unwrap() error { return r.err }
