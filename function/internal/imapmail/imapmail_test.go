package imapmail

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"strings"
	"testing"
	"time"

	"garoon-calendar-sync/function/internal/fake"
)

func start(t *testing.T) (*fake.IMAPServer, Config) {
	t.Helper()
	srv, err := fake.StartIMAP("u@example.com", "pw")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	return srv, Config{Addr: srv.Addr, Username: "u@example.com", Password: "pw", TLS: &tls.Config{RootCAs: srv.CertPool}}
}

func mail(from string, i int) []byte {
	return fmt.Appendf(nil, "From: %s\r\nSubject: m%d\r\nMessage-ID: <%d@x>\r\n\r\nbody %d\r\n", from, i, i, i)
}

func TestFetchFiltersAndNeverSetsSeen(t *testing.T) {
	srv, cfg := start(t)
	now := time.Now()
	srv.Append(mail("no-reply@cybozu.com", 1), now)
	srv.Append(mail("other@example.com", 2), now)
	srv.Append(mail("no-reply@cybozu.com", 3), now.AddDate(0, 0, -30)) // outside the window
	srv.Append(mail("No-Reply@Cybozu.com", 4), now)
	c := New(cfg)
	defer c.Close()
	ctx := context.Background()
	got, err := c.Fetch(ctx, "no-reply@cybozu.com", now.AddDate(0, 0, -14))
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0].UID != 1 || got[1].UID != 4 || string(got[0].Raw) != string(mail("no-reply@cybozu.com", 1)) {
		t.Fatalf("fetched %+v", got)
	}
	if err := c.MarkProcessed(ctx, []uint32{1}); err != nil {
		t.Fatal(err)
	}
	again, err := c.Fetch(ctx, "no-reply@cybozu.com", now.AddDate(0, 0, -14))
	if err != nil || len(again) != 1 || again[0].UID != 4 {
		t.Fatalf("after marking: %+v %v", again, err)
	}
	msgs, err := srv.Messages()
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range msgs {
		for _, f := range m.Flags {
			if f == `\Seen` {
				t.Errorf("mail %d got \\Seen", m.UID)
			}
		}
	}
}

func TestMaxMailsTakesTheOldest(t *testing.T) {
	srv, cfg := start(t)
	for i := range 7 {
		srv.Append(mail("g@x", i), time.Now())
	}
	cfg.MaxMails = 5
	c := New(cfg)
	defer c.Close()
	got, err := c.Fetch(context.Background(), "g@x", time.Now().AddDate(0, 0, -1))
	if err != nil || len(got) != 5 || got[4].UID != 5 {
		t.Fatalf("%d mails, %v", len(got), err)
	}
}

func TestErrorsSayWhatToDo(t *testing.T) {
	t.Run("wrong password", func(t *testing.T) {
		_, cfg := start(t)
		cfg.Password = "wrong-secret-value"
		_, err := New(cfg).Fetch(context.Background(), "g@x", time.Now())
		if !errors.Is(err, ErrAuth) || !strings.Contains(err.Error(), "apppasswords") || strings.Contains(err.Error(), "wrong-secret-value") {
			t.Fatalf("err = %v", err)
		}
	})
	t.Run("untrusted certificate", func(t *testing.T) {
		_, cfg := start(t)
		cfg.TLS = &tls.Config{RootCAs: x509.NewCertPool()}
		_, err := New(cfg).Fetch(context.Background(), "g@x", time.Now())
		var unknown x509.UnknownAuthorityError
		if !errors.As(err, &unknown) {
			t.Fatalf("err = %v", err)
		}
	})
	t.Run("mailbox not found", func(t *testing.T) {
		_, cfg := start(t)
		cfg.Mailbox = "Garoon/通知"
		_, err := New(cfg).Fetch(context.Background(), "g@x", time.Now())
		if err == nil || !strings.Contains(err.Error(), `"Garoon/通知" not found`) {
			t.Fatalf("err = %v", err)
		}
	})
	t.Run("server that never speaks", func(t *testing.T) {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		defer ln.Close()
		go func() {
			for {
				c, err := ln.Accept()
				if err != nil {
					return
				}
				defer c.Close()
			}
		}()
		ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
		defer cancel()
		begin := time.Now()
		_, err = New(Config{Addr: ln.Addr().String()}).Fetch(ctx, "g@x", time.Now())
		if err == nil || time.Since(begin) > 2*time.Second {
			t.Fatalf("err %v after %v", err, time.Since(begin))
		}
	})
	t.Run("connection dropped mid-FETCH", func(t *testing.T) {
		srv, cfg := start(t)
		srv.Append(mail("g@x", 1), time.Now())
		srv.DropOnFetch(1)
		if _, err := New(cfg).Fetch(context.Background(), "g@x", time.Now().AddDate(0, 0, -1)); err == nil {
			t.Fatal("want an error")
		}
		got, err := New(cfg).Fetch(context.Background(), "g@x", time.Now().AddDate(0, 0, -1))
		if err != nil || len(got) != 1 {
			t.Fatalf("%v %v", got, err)
		}
	})
}

func TestStoreReconnectsOnce(t *testing.T) {
	srv, cfg := start(t)
	srv.Append(mail("g@x", 1), time.Now())
	c := New(cfg)
	defer c.Close()
	ctx := context.Background()
	if _, err := c.Fetch(ctx, "g@x", time.Now().AddDate(0, 0, -1)); err != nil {
		t.Fatal(err)
	}
	srv.CloseConnections() // the server restarted between FETCH and STORE
	if err := c.MarkProcessed(ctx, []uint32{1}); err != nil {
		t.Fatal(err)
	}
	if got, _ := c.Fetch(ctx, "g@x", time.Now().AddDate(0, 0, -1)); len(got) != 0 {
		t.Fatalf("still unprocessed: %v", got)
	}
}
