package main

import (
	"context"
	"strings"
	"testing"

	"garoon-calendar-sync/shared/contract"
)

// TestNewRunner: the function's environment builds a Runner; a malformed
// setting or no secret is an error naming what to fix, which every
// invocation then returns.
func TestNewRunner(t *testing.T) {
	env := map[string]string{contract.EnvSecretFile: "/nonexistent/secret.json", contract.EnvLogLevel: "debug"}
	getenv := func(k string) string { return env[k] }
	if r, err := newRunner(context.Background(), getenv); err != nil || r == nil {
		t.Fatalf("newRunner: %v", err)
	}
	for k, v := range map[string]string{contract.EnvLogLevel: "loud", contract.EnvSecretFile: ""} {
		saved := env[k]
		env[k] = v
		_, err := newRunner(context.Background(), getenv)
		if err == nil || k == contract.EnvLogLevel && !strings.Contains(err.Error(), k) ||
			k == contract.EnvSecretFile && !strings.Contains(err.Error(), contract.EnvSecretID) {
			t.Errorf("%s=%q: err %v", k, v, err)
		}
		env[k] = saved
	}
}
