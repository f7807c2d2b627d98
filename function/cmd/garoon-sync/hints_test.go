package main

import (
	"context"
	"crypto/sha1"
	"encoding/hex"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/smithy-go"

	"garoon-calendar-sync/shared/contract"
)

// noAWS isolates the AWS SDK from the machine: no profile, no files, no
// credentials in the environment, and no EC2 metadata service but imds,
// when given.
func noAWS(t *testing.T, imds string) {
	t.Helper()
	dir := t.TempDir()
	useEnv(t, map[string]string{
		"AWS_CONFIG_FILE":                   filepath.Join(dir, "config"),
		"AWS_SHARED_CREDENTIALS_FILE":       filepath.Join(dir, "credentials"),
		"AWS_ACCESS_KEY_ID":                 "",
		"AWS_SECRET_ACCESS_KEY":             "",
		"AWS_REGION":                        "ap-northeast-1",
		"AWS_EC2_METADATA_DISABLED":         "true",
		contract.EnvSecretID:                "",
		contract.EnvSecretsManagerURL:       "",
		contract.EnvLogsURL:                 "",
		"AWS_EC2_METADATA_SERVICE_ENDPOINT": "",
		"TMPDIR":                            t.TempDir(), // no demo env file
	})
	if imds != "" {
		t.Setenv("AWS_EC2_METADATA_DISABLED", "false")
		t.Setenv("AWS_EC2_METADATA_SERVICE_ENDPOINT", imds)
	}
}

// captureStderr runs f with os.Stderr going to a pipe: the AWS SDK's
// default logger writes there, not to the command's stderr.
func captureStderr(t *testing.T, f func()) string {
	t.Helper()
	r, w, err := os.Pipe()
	must(t, err)
	old := os.Stderr
	os.Stderr = w
	done := make(chan string)
	go func() { b, _ := io.ReadAll(r); done <- string(b) }()
	defer func() { os.Stderr = old }()
	f()
	w.Close()
	return <-done
}

// A proxy or a router that answers the EC2 metadata address with 403, as
// many networks do: the SDK then logs "falling back to IMDSv1" on its own
// and the request fails with "no EC2 IMDS role found". The CLI says to log
// in instead, once, and the SDK says nothing.
func TestNoAWSCredentials(t *testing.T) {
	imds := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { http.Error(w, "forbidden", http.StatusForbidden) }))
	defer imds.Close()
	noAWS(t, imds.URL)

	var out, errOut string
	var code int
	sdk := captureStderr(t, func() { out, errOut, code = run("secret", "check", "--env", "prod") })
	if want := "garoon-sync secret check: secret garoon-calendar-sync/prod: no AWS credentials\nfix: " + fixAWSLogin + "\n"; code != exitFail || out != "" || errOut != want {
		t.Errorf("secret check: exit %d\nstdout %s\nstderr %q\nwant   %q", code, out, errOut, want)
	}
	sdk += captureStderr(t, func() { out, errOut, code = run("run", "--env", "prod") })
	if want := "garoon-sync run: secret garoon-calendar-sync/prod: no AWS credentials\nfix: " + fixAWSLogin + "\n"; code != exitFail || out != "" || errOut != want {
		t.Errorf("run: exit %d\nstdout %s\nstderr %q\nwant   %q", code, out, errOut, want)
	}
	sdk += captureStderr(t, func() { out, errOut, code = run("secret", "put", "--env", "prod") })
	if want := "garoon-sync secret put: secret garoon-calendar-sync/prod: no AWS credentials\nfix: " + fixAWSLogin + "\n"; code != exitFail || errOut != want {
		t.Errorf("secret put: exit %d\nstderr %q\nwant   %q", code, errOut, want)
	}
	var checks map[string]check
	sdk += captureStderr(t, func() { checks, out, code = doctor(t, "--env", "prod") })
	if c := checks["secret"]; code != exitFail || c.Detail != "secret garoon-calendar-sync/prod: no AWS credentials" || c.Fix != fixAWSLogin {
		t.Errorf("doctor secret: %+v", c)
	}
	if c := checks["last run"]; c.Status != statusSkip || c.Detail != "cannot read /aws/lambda/garoon-calendar-sync-prod: no AWS credentials" || c.Fix != fixAWSLogin {
		t.Errorf("doctor last run: %+v", c)
	}
	for _, noise := range []string{"IMDS", "ec2imds", "operation error"} {
		if strings.Contains(sdk+errOut+out, noise) {
			t.Errorf("%q in the output:\n%s%s%s", noise, sdk, out, errOut)
		}
	}
	if sdk != "" {
		t.Errorf("the SDK wrote to stderr:\n%s", sdk)
	}
}

// An SSO profile whose cached login has expired: the same hint, and why.
func TestExpiredSSOLogin(t *testing.T) {
	noAWS(t, "")
	home := t.TempDir()
	t.Setenv("HOME", home)
	const startURL = "https://example.awsapps.com/start"
	must(t, os.WriteFile(os.Getenv("AWS_CONFIG_FILE"), []byte("[default]\nsso_start_url = "+startURL+
		"\nsso_region = ap-northeast-1\nsso_account_id = 123456789012\nsso_role_name = Deployer\nregion = ap-northeast-1\n"), 0o600))
	// The AWS CLI's token cache: ~/.aws/sso/cache/<sha1 of the start URL>.json.
	cache := filepath.Join(home, ".aws", "sso", "cache")
	must(t, os.MkdirAll(cache, 0o700))
	sum := sha1.Sum([]byte(startURL))
	must(t, os.WriteFile(filepath.Join(cache, hex.EncodeToString(sum[:])+".json"),
		[]byte(`{"accessToken":"x","expiresAt":"2020-01-01T00:00:00Z","region":"ap-northeast-1","startUrl":"`+startURL+`"}`), 0o600))
	_, errOut, code := run("run", "--env", "prod")
	if want := "garoon-sync run: secret garoon-calendar-sync/prod: no AWS credentials: the AWS SSO session has expired\nfix: " + fixAWSLogin + "\n"; code != exitFail || errOut != want {
		t.Errorf("exit %d\n%q\nwant %q", code, errOut, want)
	}
}

func TestExpiredCredentialsHint(t *testing.T) {
	p := secretPlace{id: contract.SecretName("prod"), env: "prod"}
	for code, want := range map[string]string{
		"ExpiredTokenException":       fixAWSLogin,
		"UnrecognizedClientException": fixAWSLogin,
		"InvalidClientTokenId":        fixAWSLogin,
		"AccessDeniedException":       "",
	} {
		if got := p.fixLoad(&smithy.GenericAPIError{Code: code}); got != want {
			t.Errorf("%s: %q, want %q", code, got, want)
		}
	}
}

// `--env demo` in a shell that did not source demo --serve's file: say to
// source it (by its real path while one runs), not to set AWS_REGION.
func TestDemoEnvNotSourced(t *testing.T) {
	noAWS(t, "")
	checks, out, _ := doctor(t, "--env", "demo")
	wantStart := "start `make demo-serve` in another terminal, `source` the file it prints, then run it again"
	if c := checks["secret"]; c.Detail != errDemoNotSourced.Error() || c.Fix != wantStart {
		t.Errorf("no demo running:\n%s", out)
	}
	if c := checks["last run"]; c.Status != statusSkip || c.Fix != wantStart {
		t.Errorf("last run: %+v", c)
	}
	must(t, os.WriteFile(defaultDemoEnvFile(), []byte("# a running demo's\n"), 0o600))
	wantSource := "`source " + defaultDemoEnvFile() + "` (written by the running `make demo-serve`), then run it again"
	if checks, out, _ = doctor(t, "--env", "demo"); checks["secret"].Fix != wantSource {
		t.Errorf("demo running:\n%s", out)
	}
	if _, errOut, code := run("secret", "check", "--env", "demo"); code != exitFail ||
		errOut != "garoon-sync secret check: "+errDemoNotSourced.Error()+"\nfix: "+wantSource+"\n" {
		t.Errorf("secret check: %d %q", code, errOut)
	}
	if _, errOut, code := run("run", "--env", "demo", "--dry-run"); code != exitFail ||
		errOut != "garoon-sync run: "+errDemoNotSourced.Error()+"\nfix: "+wantSource+"\n" {
		t.Errorf("run: %d %q", code, errOut)
	}
}

// What to type when nothing names a secret.
func TestNoSecretGiven(t *testing.T) {
	noAWS(t, "")
	t.Setenv(contract.EnvSecretFile, "")
	for _, c := range []struct {
		args, want string
		code       int
	}{
		{"run --dry-run", "garoon-sync run: no secret given: use --secret-file FILE (a local JSON file) or --env NAME " +
			"(the Secrets Manager secret garoon-calendar-sync/NAME), or set GAROON_SYNC_SECRET_FILE or SECRET_ID\n", exitFail},
		{"secret check", "garoon-sync secret check: give --env NAME (the secret garoon-calendar-sync/NAME), --secret-id ID, or --secret-file FILE (a local JSON file)\n", exitUsage},
		{"secret put", "garoon-sync secret put: give --env NAME (the secret garoon-calendar-sync/NAME) or --secret-id ID\n", exitUsage},
		{"secret put --secret-file my.json", "garoon-sync secret put: writes Secrets Manager only; edit my.json itself " +
			"(`garoon-sync authorize --client-secret credentials.json --out my.json` writes the Google keys)\n", exitUsage},
		{"authorize", "garoon-sync authorize: give --client-secret FILE (the Desktop OAuth client's JSON from Google Cloud Console), " +
			"or --client-id ID and --client-secret SECRET\n", exitUsage},
	} {
		if out, errOut, code := run(strings.Fields(c.args)...); out != "" || errOut != c.want || code != c.code {
			t.Errorf("%s: exit %d\nstdout %s\nstderr %q\nwant   %q", c.args, code, out, errOut, c.want)
		}
	}
}

// Missing files: one line, no usage.
func TestMissingFiles(t *testing.T) {
	noAWS(t, "")
	dir := t.TempDir()
	missing := filepath.Join(dir, "credentials.json")
	if out, errOut, code := run("authorize", "--client-secret", missing); code != exitFail || out != "" ||
		errOut != "garoon-sync authorize: "+missing+" does not exist: download the OAuth client of type \"Desktop app\" as JSON "+
			"(Google Cloud Console → APIs & Services → Credentials → the client → Download JSON) and give its path\n" {
		t.Errorf("authorize: exit %d %q", code, errOut)
	}
	if out, errOut, code := run("secret", "put", "--env", "dev", "--from-file", filepath.Join(dir, "token.json")); code != exitFail || out != "" ||
		errOut != "garoon-sync secret put: --from-file "+filepath.Join(dir, "token.json")+" does not exist\n" {
		t.Errorf("secret put: exit %d %q", code, errOut)
	}
	secretFile := filepath.Join(dir, "secret.json")
	create := "create it: `garoon-sync authorize --client-secret credentials.json --out " + secretFile +
		"` writes the Google keys; add gmail_address, gmail_password and garoon_sender (README: Configuration)"
	if out, errOut, code := run("secret", "check", "--secret-file", secretFile); code != exitFail || out != "" ||
		errOut != "garoon-sync secret check: "+secretFile+" does not exist\nfix: "+create+"\n" {
		t.Errorf("secret check: exit %d %q", code, errOut)
	}
	if out, errOut, code := run("run", "--secret-file", secretFile); code != exitFail || out != "" ||
		errOut != "garoon-sync run: secret file "+secretFile+" does not exist\nfix: "+create+"\n" {
		t.Errorf("run: exit %d %q", code, errOut)
	}
	if checks, out, _ := doctor(t, "--secret-file", secretFile); checks["secret"].Fix != create {
		t.Errorf("doctor:\n%s", out)
	}
}

// secret check and doctor on a local file: fixes that edit the file or
// write it with authorize --out, never `secret put`.
func TestHintsForASecretFile(t *testing.T) {
	noAWS(t, "")
	file := filepath.Join(t.TempDir(), "secret.json")
	must(t, os.WriteFile(file, []byte(`{"gmail_address":"you@gmail.com"}`), 0o600))
	auth := "garoon-sync authorize --client-secret credentials.json --out " + file
	// Without gmail_password the function reads Gmail over OAuth, so the
	// Google keys come from a consent that includes Gmail.
	authGmail := "garoon-sync authorize --gmail --client-secret credentials.json --out " + file
	out, _, code := run("secret", "check", "--secret-file", file)
	want := strings.Join([]string{
		"KEY                   STATUS   NOTE",
		"gmail_address         OK",
		"gmail_password        OK       not used: Gmail login uses the Google token (OAuth)",
		`garoon_sender         MISSING  add "garoon_sender" to ` + file,
		"google_refresh_token  MISSING  " + authGmail,
		"google_client_id      MISSING  " + authGmail,
		"google_client_secret  MISSING  " + authGmail,
		"calendar_id           OK       default: primary",
		"imap_mailbox          OK       default: INBOX",
		"gmail_auth            WARN     gmail_auth is not set and there is no gmail_password: Gmail login will use the Google token, which needs `garoon-sync authorize --gmail`; or set gmail_password to an app password",
		"garoon_time_zone      OK       default: Asia/Tokyo",
		"series_delete         OK       default: flag",
	}, "\n") + "\n"
	if code != exitFail || out != want {
		t.Errorf("secret check --secret-file: exit %d\n%s\nwant\n%s", code, out, want)
	}
	checks, out, _ := doctor(t, "--secret-file", file)
	if c := checks["secret"]; c.Fix != "edit "+file+" (`"+authGmail+"` writes the Google keys); `garoon-sync secret check --secret-file "+file+"` lists what is missing" {
		t.Errorf("doctor:\n%s", out)
	}

	// With an app password, the consent is for Calendar alone.
	must(t, os.WriteFile(file, []byte(`{"gmail_address":"you@gmail.com","gmail_password":"abcdefghijklmnop"}`), 0o600))
	checks, out, _ = doctor(t, "--secret-file", file)
	if c := checks["secret"]; c.Fix != "edit "+file+" (`"+auth+"` writes the Google keys); `garoon-sync secret check --secret-file "+file+"` lists what is missing" {
		t.Errorf("doctor, app password:\n%s", out)
	}
}

// The same on Secrets Manager: secret put and authorize for the
// environment named, and the two cases of "not found" told apart.
func TestHintsForSecretsManager(t *testing.T) {
	w, err := startDemoWorld()
	must(t, err)
	defer w.close()
	useEnv(t, w.env)
	w.sm.Set(contract.SecretName("dev"), `{"gmail_address":"you@gmail.com","gmail_password":"abcdefghijklmnop"}`)
	out, _, code := run("secret", "check", "--env", "dev")
	want := strings.Join([]string{
		"KEY                   STATUS   NOTE",
		"gmail_address         OK",
		"gmail_password        OK",
		"garoon_sender         MISSING  garoon-sync secret put --env dev --ask garoon_sender",
		"google_refresh_token  MISSING  " + contract.FixInvalidGrant("dev"),
		"google_client_id      MISSING  " + contract.FixInvalidGrant("dev"),
		"google_client_secret  MISSING  " + contract.FixInvalidGrant("dev"),
		"calendar_id           OK       default: primary",
		"imap_mailbox          OK       default: INBOX",
		"gmail_auth            OK       default: password",
		"garoon_time_zone      OK       default: Asia/Tokyo",
		"series_delete         OK       default: flag",
	}, "\n") + "\n"
	if code != exitFail || out != want {
		t.Errorf("secret check --env dev: exit %d\n%s\nwant\n%s", code, out, want)
	}
	// By ARN, the environment is still known; another name is named as is.
	if out, _, _ := run("secret", "check", "--secret-id", w.sm.ARN(contract.SecretName("dev"))); !strings.Contains(out, "garoon-sync secret put --env dev --ask garoon_sender") {
		t.Errorf("by ARN:\n%s", out)
	}
	w.sm.Set("team/garoon", `{"gmail_auth":"password"}`)
	if out, _, _ := run("secret", "check", "--secret-id", "team/garoon"); !strings.Contains(out, "gmail_password        MISSING  garoon-sync secret put --secret-id team/garoon --ask gmail_password\n") ||
		!strings.Contains(out, "garoon-sync authorize --client-secret credentials.json --out token.json && garoon-sync secret put --secret-id team/garoon --from-file token.json && rm token.json") {
		t.Errorf("by name:\n%s", out)
	}

	checks, out, _ := doctor(t, "--env", "dev")
	if c := checks["secret"]; c.Fix != "`garoon-sync secret put --env dev` asks for what is missing; `garoon-sync secret check --env dev` lists it" {
		t.Errorf("doctor incomplete:\n%s", out)
	}
	// No such secret: deploy. A secret without a value: fill it. One fix each.
	checks, out, _ = doctor(t, "--env", "prod")
	if c := checks["secret"]; c.Detail != "secret garoon-calendar-sync/prod does not exist in ap-northeast-1" ||
		c.Fix != "`make deploy ENV=prod` creates it (or set AWS_REGION to the region it is deployed in)" {
		t.Errorf("doctor no secret:\n%s", out)
	}
	sm := w.sm.Client()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_, err = sm.CreateSecret(ctx, &secretsmanager.CreateSecretInput{Name: aws.String(contract.SecretName("prod"))})
	must(t, err)
	checks, out, _ = doctor(t, "--env", "prod")
	if c := checks["secret"]; c.Detail != "secret garoon-calendar-sync/prod has no value yet (the stack creates it empty)" ||
		c.Fix != "next step: `garoon-sync secret put --env prod`, then `garoon-sync secret check --env prod`" {
		t.Errorf("doctor empty secret:\n%s", out)
	}
	token := filepath.Join(t.TempDir(), "token.json")
	must(t, os.WriteFile(token, []byte(`{"google_refresh_token":"rt"}`), 0o600))
	if _, errOut, code := run("secret", "put", "--env", "nope", "--from-file", token); code != exitFail ||
		errOut != "garoon-sync secret put: secret garoon-calendar-sync/nope does not exist in ap-northeast-1: deploy the environment first (make deploy ENV=nope), or set AWS_REGION to the region it is deployed in\n" {
		t.Errorf("put, no secret: %d %q", code, errOut)
	}
}

// A run that fails says so first, with the fix for where its secret is,
// and prints no zero counts.
func TestFailedRun(t *testing.T) {
	w, err := startDemoWorld()
	must(t, err)
	defer w.close()
	useEnv(t, w.env)
	v, _ := w.sm.Get(contract.SecretName(demoEnv))
	file := filepath.Join(t.TempDir(), "secret.json")
	must(t, os.WriteFile(file, []byte(v), 0o600))
	raw, _ := demoMails.ReadFile("demo/01-add-teirei.eml")
	must(t, w.imap.Append(raw, time.Now()))

	w.imap.FailLogin(true)
	out, errOut, code := run("run", "--secret-file", file)
	wantFix := "fix: turn on 2-Step Verification, create an app password, put it in " + file + " as \"gmail_password\"\n"
	if code != exitFail || out != "" || !strings.HasPrefix(errOut, "garoon-sync run: ") || !strings.HasSuffix(errOut, wantFix) || strings.Count(errOut, "\n") != 2 {
		t.Errorf("refused login, file: exit %d\nstdout %q\nstderr %q", code, out, errOut)
	}
	out, errOut, code = run("run", "--env", demoEnv)
	if wantFix := "fix: turn on 2-Step Verification, create an app password, store it: `" + contract.FixGmailLogin(demoEnv) + "`\n"; code != exitFail || out != "" || !strings.HasSuffix(errOut, wantFix) {
		t.Errorf("refused login, --env: exit %d\nstdout %q\nstderr %q", code, out, errOut)
	}
	w.imap.FailLogin(false)

	w.cal.InvalidGrant(true)
	out, errOut, code = run("run", "--secret-file", file)
	if wantFix := "fix: `garoon-sync authorize --client-secret credentials.json --out " + file + "`\n"; code != exitFail || strings.Contains(out, "0 created") || !strings.HasSuffix(errOut, wantFix) {
		t.Errorf("invalid_grant: exit %d\nstdout %q\nstderr %q", code, out, errOut)
	}
	w.cal.InvalidGrant(false)

	// --env picks the environment's secret; it runs like --secret-file.
	out, errOut, code = run("run", "--env", demoEnv, "--dry-run")
	if code != exitOK || !strings.Contains(out, "1 mails: 1 created") {
		t.Errorf("run --env demo: exit %d\n%s%s", code, out, errOut)
	}
}

func TestEnvOfSecret(t *testing.T) {
	for id, want := range map[string]string{
		"garoon-calendar-sync/prod": "prod",
		"arn:aws:secretsmanager:ap-northeast-1:123456789012:secret:garoon-calendar-sync/dev-AbCdEf": "dev",
		"arn:aws:secretsmanager:ap-northeast-1:123456789012:secret:team/garoon-AbCdEf":              "",
		"garoon-calendar-sync/a/b": "",
		"garoon-calendar-sync/":    "",
		"":                         "",
	} {
		if got := envOfSecret(id); got != want {
			t.Errorf("envOfSecret(%q) = %q, want %q", id, got, want)
		}
	}
}
