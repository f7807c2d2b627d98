package secret

import (
	"context"
	"errors"
	"testing"
	"time"

	"garoon-calendar-sync/function/internal/fake/fakesecrets"
)

const cachedSecret = `{"gmail_address":"a@example.com","gmail_password":"p","garoon_sender":"g@example.com",
"google_refresh_token":"rt","google_client_id":"id","google_client_secret":"cs"}`

func TestCached(t *testing.T) {
	srv, err := fakesecrets.Start(map[string]string{"s": cachedSecret})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	client := srv.Client()
	now := time.Date(2024, 5, 1, 0, 0, 0, 0, time.UTC)
	src := Cached(SecretsManager(client, "s"), 5*time.Minute)
	src.(*cached).now = func() time.Time { return now }
	ctx := context.Background()

	load := func(wantCalls int) {
		t.Helper()
		c, err := src.Load(ctx)
		if err != nil || c.GmailAddress != "a@example.com" {
			t.Fatalf("Load = %v, %v", c, err)
		}
		if n := srv.Count("GetSecretValue"); n != wantCalls {
			t.Errorf("%d GetSecretValue calls, want %d", n, wantCalls)
		}
	}
	load(1)
	now = now.Add(4 * time.Minute)
	load(1) // warm: cached
	now = now.Add(2 * time.Minute)
	load(2) // expired: loaded again

	// A failed load is not kept: the next one asks again.
	srv.Deny(true)
	now = now.Add(10 * time.Minute)
	if _, err := src.Load(ctx); err == nil {
		t.Fatal("denied: no error")
	}
	srv.Deny(false)
	load(4)
}

type flaky struct {
	calls int
	errs  []error
}

func (f *flaky) Load(context.Context) (Credentials, error) {
	f.calls++
	if len(f.errs) > 0 {
		err := f.errs[0]
		f.errs = f.errs[1:]
		return Credentials{}, err
	}
	return Credentials{GmailAddress: "a@example.com"}, nil
}

func TestCachedFailureNotCached(t *testing.T) {
	f := &flaky{errs: []error{errors.New("throttled")}}
	src := Cached(f, time.Hour)
	if _, err := src.Load(context.Background()); err == nil {
		t.Fatal("no error")
	}
	for range 3 {
		if _, err := src.Load(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
	if f.calls != 2 {
		t.Errorf("%d loads, want 2", f.calls)
	}
}
