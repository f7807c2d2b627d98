package secret_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/smithy-go"

	"garoon-calendar-sync/function/internal/fake/fakesecrets"
	"garoon-calendar-sync/function/internal/secret"
)

const secretName = "garoon-calendar-sync/dev"

func ctxT(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func writeFile(t *testing.T, content string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "secret.json")
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestFile(t *testing.T) {
	got, err := secret.File(writeFile(t, full)).Load(ctxT(t))
	if err != nil {
		t.Fatal(err)
	}
	if got != want {
		t.Errorf("got %#v", got)
	}

	bad := writeFile(t, with("google_refresh_token", ""))
	_, err = secret.File(bad).Load(ctxT(t))
	if err == nil || !strings.Contains(err.Error(), bad) || !strings.Contains(err.Error(), `"google_refresh_token"`) {
		t.Errorf("err = %v, want the file and the key named", err)
	}

	_, err = secret.File(filepath.Join(t.TempDir(), "nope.json")).Load(ctxT(t))
	if err == nil || !strings.Contains(err.Error(), "nope.json") {
		t.Errorf("err = %v, want the missing file named", err)
	}
}

func startSM(t *testing.T, secrets map[string]string) *fakesecrets.Server {
	t.Helper()
	srv, err := fakesecrets.Start(secrets)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = srv.Close() })
	return srv
}

func TestSecretsManager(t *testing.T) {
	srv := startSM(t, map[string]string{secretName: full})
	client := srv.Client()

	for _, id := range []string{secretName, srv.ARN(secretName)} {
		got, err := secret.SecretsManager(client, id).Load(ctxT(t))
		if err != nil {
			t.Fatalf("%s: %v", id, err)
		}
		if got != want {
			t.Errorf("%s: got %#v", id, got)
		}
	}
	if n := srv.Count("GetSecretValue"); n != 2 {
		t.Errorf("%d GetSecretValue calls, want 2", n)
	}
}

func TestSecretsManagerErrors(t *testing.T) {
	srv := startSM(t, map[string]string{
		"incomplete": `{"gmail_address":"taro@example.com","gmail_password":"hunter2-secret"}`,
	})
	srv.SetBinary("binary", []byte(full))
	client := srv.Client()
	load := func(id string) error {
		_, err := secret.SecretsManager(client, id).Load(ctxT(t))
		return err
	}

	// One clause each, and the SDK's error still reachable for callers
	// that choose the fix (the CLI).
	var api smithy.APIError
	err := load("garoon-calendar-sync/prod")
	if err == nil || err.Error() != "secret garoon-calendar-sync/prod does not exist in ap-northeast-1" ||
		!errors.As(err, &api) || api.ErrorCode() != "ResourceNotFoundException" {
		t.Errorf("not found: err = %v", err)
	}
	if errors.Is(err, secret.ErrNoValue) {
		t.Errorf("a missing secret is not an empty one: %v", err)
	}

	// Created without a value (what the stack does), not filled yet: the
	// setup's next step, told apart from a missing secret. The CLI and the
	// function's summary line attach the command that fills it.
	if _, err := client.CreateSecret(ctxT(t), &secretsmanager.CreateSecretInput{Name: aws.String("garoon-calendar-sync/new")}); err != nil {
		t.Fatal(err)
	}
	srv.CreateEmpty("garoon-calendar-sync/dev")
	for _, id := range []string{"garoon-calendar-sync/new", "garoon-calendar-sync/dev"} {
		err = load(id)
		if !errors.Is(err, secret.ErrNoValue) || err.Error() != "secret "+id+" has no value yet (the stack creates it empty)" || !errors.As(err, &api) {
			t.Errorf("no value: err = %v, want ErrNoValue naming the secret", err)
		}
	}

	err = load("incomplete")
	if errors.Is(err, secret.ErrNoValue) {
		t.Errorf("an incomplete secret is not an empty one: %v", err)
	}
	if err == nil || !strings.Contains(err.Error(), `"garoon_sender"`) || strings.Contains(err.Error(), "hunter2") {
		t.Errorf("incomplete: err = %v, want the missing key named and no value", err)
	}

	err = load("binary")
	if err == nil || !strings.Contains(err.Error(), "no string value") {
		t.Errorf("binary: err = %v", err)
	}

	srv.Deny(true)
	err = load("incomplete")
	if err == nil || !strings.Contains(err.Error(), "access denied") || !strings.Contains(err.Error(), "secretsmanager:GetSecretValue") {
		t.Errorf("denied: err = %v", err)
	}
}

// awsEnv isolates the AWS SDK from the machine: no profile, no IMDS, static
// test credentials.
func awsEnv(t *testing.T) {
	t.Helper()
	dir := t.TempDir()
	for k, v := range map[string]string{
		"AWS_CONFIG_FILE":                  filepath.Join(dir, "config"),
		"AWS_SHARED_CREDENTIALS_FILE":      filepath.Join(dir, "credentials"),
		"AWS_PROFILE":                      "",
		"AWS_EC2_METADATA_DISABLED":        "true",
		"AWS_ACCESS_KEY_ID":                "AKIDTEST",
		"AWS_SECRET_ACCESS_KEY":            "test-secret-key",
		"AWS_SESSION_TOKEN":                "",
		"AWS_REGION":                       "",
		"AWS_DEFAULT_REGION":               "",
		"AWS_ENDPOINT_URL":                 "",
		"AWS_ENDPOINT_URL_SECRETS_MANAGER": "",
	} {
		t.Setenv(k, v)
	}
}

func TestFromEnv(t *testing.T) {
	awsEnv(t)
	srv := startSM(t, map[string]string{
		"by-id":   full,
		"by-name": with("calendar_id", `"name@group.calendar.google.com"`),
	})
	file := writeFile(t, with("calendar_id", `"file@group.calendar.google.com"`))
	base := map[string]string{"AWS_REGION": "ap-northeast-1", "AWS_ENDPOINT_URL_SECRETS_MANAGER": srv.URL}

	tests := []struct {
		name         string
		env          map[string]string
		wantCalendar string
		wantCalls    int
	}{
		{"file wins", map[string]string{"GAROON_SYNC_SECRET_FILE": file, "SECRET_ID": "by-id"}, "file@group.calendar.google.com", 0},
		{"SECRET_ID", map[string]string{"SECRET_ID": "by-id"}, "primary", 1},
		{"SECRET_ID wins over SECRET_NAME", map[string]string{"SECRET_ID": "by-id", "SECRET_NAME": "by-name"}, "primary", 1},
		{"SECRET_NAME alias", map[string]string{"SECRET_NAME": "by-name"}, "name@group.calendar.google.com", 1},
		{"ARN gives the region", map[string]string{"SECRET_ID": srv.ARN("by-id"), "AWS_REGION": ""}, "primary", 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := map[string]string{}
			for k, v := range base {
				env[k] = v
			}
			for k, v := range tt.env {
				env[k] = v
			}
			before := srv.Count("GetSecretValue")
			src, err := secret.FromEnv(ctxT(t), func(k string) string { return env[k] })
			if err != nil {
				t.Fatal(err)
			}
			got, err := src.Load(ctxT(t))
			if err != nil {
				t.Fatal(err)
			}
			if got.CalendarID != tt.wantCalendar {
				t.Errorf("loaded calendar %q, want %q", got.CalendarID, tt.wantCalendar)
			}
			if n := srv.Count("GetSecretValue") - before; n != tt.wantCalls {
				t.Errorf("%d GetSecretValue calls, want %d", n, tt.wantCalls)
			}
		})
	}
}

// The SDK itself honours AWS_ENDPOINT_URL_SECRETS_MANAGER from the process
// environment (config v1.33.18 resolves it through its config sources).
func TestFromEnvProcessEndpoint(t *testing.T) {
	awsEnv(t)
	srv := startSM(t, map[string]string{secretName: full})
	t.Setenv("AWS_ENDPOINT_URL_SECRETS_MANAGER", srv.URL)
	t.Setenv("AWS_REGION", "ap-northeast-1")
	src, err := secret.FromEnv(ctxT(t), func(k string) string {
		if k == "SECRET_ID" {
			return secretName
		}
		return ""
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := src.Load(ctxT(t)); err != nil {
		t.Fatal(err)
	}
}

func TestFromEnvErrors(t *testing.T) {
	awsEnv(t)
	_, err := secret.FromEnv(ctxT(t), func(string) string { return "" })
	for _, s := range []string{"GAROON_SYNC_SECRET_FILE", "SECRET_ID", "SECRET_NAME"} {
		if err == nil || !strings.Contains(err.Error(), s) {
			t.Errorf("nothing set: err = %v, want %s in it", err, s)
		}
	}

	_, err = secret.FromEnv(ctxT(t), func(k string) string {
		if k == "SECRET_ID" {
			return secretName
		}
		return ""
	})
	if err == nil || !strings.Contains(err.Error(), "AWS_REGION") {
		t.Errorf("no region: err = %v", err)
	}
}
