package imapmail

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"

	"garoon-calendar-sync/function/internal/fake/fakeca"
	"garoon-calendar-sync/function/internal/fake/fakeimap"
	"garoon-calendar-sync/function/internal/syncer"
	"garoon-calendar-sync/shared/contract"
)

const (
	user     = "you@example.com"
	password = "abcd efgh ijkl mnop"
	cybozu   = "no-reply@cybozu.com"
)

func start(t testing.TB) (*fakeimap.Server, Config) {
	t.Helper()
	srv, err := fakeimap.Start(user, password)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	return srv, Config{Addr: srv.Addr, Username: user, Password: password, TLS: &tls.Config{RootCAs: srv.CertPool}}
}

func newClient(t testing.TB, cfg Config) *Client {
	t.Helper()
	c := New(cfg)
	t.Cleanup(func() { c.Close() })
	return c
}

// mail is a small mail with 8-bit bytes, ISO-2022-JP escapes and trailing
// blanks, so that byte-exactness means something.
func mail(from string, i int) []byte {
	return fmt.Appendf(nil, "From: %s\r\nSubject: =?ISO-2022-JP?B?GyRCJEgkbBsoQg==?= m%d\r\nMessage-ID: <%d@x>\r\n"+
		"Content-Type: text/plain; charset=UTF-8\r\n\r\n日時：2026年1月15日 \t\r\n\x1b$B$H$l\x1b(B body %d\r\n", from, i, i, i)
}

func appendAll(t testing.TB, srv *fakeimap.Server, raws ...[]byte) {
	t.Helper()
	for _, raw := range raws {
		if err := srv.Append(raw, time.Now()); err != nil {
			t.Fatal(err)
		}
	}
}

func uids(mails []syncer.Mail) []uint32 {
	out := []uint32{}
	for _, m := range mails {
		out = append(out, m.UID)
	}
	return out
}

var (
	ctx     = context.Background()
	weekAgo = time.Now().AddDate(0, 0, -7)
)

func TestFetchMarkFetch(t *testing.T) {
	srv, cfg := start(t)
	now := time.Now()
	raws := [][]byte{
		mail(cybozu, 1),
		mail("other@example.com", 2),
		mail(cybozu, 3), // received 30 days ago: outside the window
		mail("Garoon <No-Reply@Cybozu.com>", 4),
		mail(cybozu, 5),
	}
	for i, raw := range raws {
		received := now.Add(-time.Duration(len(raws)-i) * time.Minute)
		if i == 2 {
			received = now.AddDate(0, 0, -30)
		}
		if err := srv.Append(raw, received); err != nil {
			t.Fatal(err)
		}
	}
	c := newClient(t, cfg)
	got, err := c.Fetch(ctx, cybozu, weekAgo)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(uids(got), []uint32{1, 4, 5}) {
		t.Fatalf("fetched UIDs %v, want [1 4 5]", uids(got))
	}
	for _, m := range got {
		if !bytes.Equal(m.Raw, raws[m.UID-1]) {
			t.Errorf("mail %d not byte-exact:\n%q\nwant\n%q", m.UID, m.Raw, raws[m.UID-1])
		}
		if d := now.Sub(m.Received); d < 0 || d > 10*time.Minute {
			t.Errorf("mail %d received %v", m.UID, m.Received)
		}
	}

	if err := c.MarkProcessed(ctx, []uint32{1, 5}); err != nil {
		t.Fatal(err)
	}
	if marked, _ := srv.WithFlag(contract.ProcessedKeyword); !slices.Equal(marked, []uint32{1, 5}) {
		t.Errorf("marked %v, want [1 5]", marked)
	}
	again, err := c.Fetch(ctx, cybozu, weekAgo)
	if err != nil || !slices.Equal(uids(again), []uint32{4}) {
		t.Fatalf("after marking 1 and 5: %v, %v", uids(again), err)
	}
	if err := c.MarkProcessed(ctx, []uint32{4}); err != nil {
		t.Fatal(err)
	}
	if last, err := c.Fetch(ctx, cybozu, weekAgo); err != nil || len(last) != 0 {
		t.Fatalf("after marking all: %v, %v", uids(last), err)
	}

	msgs, err := srv.Messages()
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range msgs {
		if m.Has(string(imap.FlagSeen)) {
			t.Errorf("mail %d got \\Seen: %v", m.UID, m.Flags)
		}
	}
}

func TestSinceWindow(t *testing.T) {
	srv, cfg := start(t)
	since := time.Date(2026, 1, 15, 0, 30, 0, 0, time.FixedZone("JST", 9*3600))
	for i, received := range []time.Time{
		since.AddDate(0, 0, -3),      // out
		since,                        // in: on or after since
		since.Add(time.Minute),       // in
		since.UTC().Add(time.Hour),   // in, in another zone whose date is a day earlier
		since.AddDate(0, 0, 1),       // in
		since.Add(-36 * time.Hour),   // out: more than a day before
		since.Add(-30 * time.Minute), // may come: SINCE has date granularity
	} {
		if err := srv.Append(mail(cybozu, i+1), received); err != nil {
			t.Fatal(err)
		}
	}
	got, err := newClient(t, cfg).Fetch(ctx, cybozu, since)
	if err != nil {
		t.Fatal(err)
	}
	have := uids(got)
	for _, u := range []uint32{2, 3, 4, 5} {
		if !slices.Contains(have, u) {
			t.Errorf("mail %d missing: %v", u, have)
		}
	}
	for _, u := range []uint32{1, 6} {
		if slices.Contains(have, u) {
			t.Errorf("mail %d is outside the window: %v", u, have)
		}
	}
}

func TestSenderForms(t *testing.T) {
	const eai = "通知@garoon.example.jp"
	srv, cfg := start(t)
	appendAll(t, srv,
		mail(cybozu, 1),
		mail(eai, 2),
		mail("other@garoon.example.jp", 3),        // matches the ASCII part searched on the server
		mail("=?UTF-8?B?6YCa55+l?= <"+eai+">", 4), // encoded display name, same address
		mail("通知@other.example", 5),
		[]byte("From: =?UTF-8?B?6YCa55+l?=\r\n <"+eai+">\r\nSubject: folded\r\n\r\nx\r\n"), // folded From
	)
	for _, tc := range []struct {
		sender string
		want   []uint32
	}{
		{cybozu, []uint32{1}},
		{"Garoon <" + cybozu + ">", []uint32{1}},
		{cybozu + " (Garoon)", []uint32{1}},
		{eai, []uint32{2, 4, 6}},
		{"通知 <" + eai + ">", []uint32{2, 4, 6}},
	} {
		t.Run(tc.sender, func(t *testing.T) {
			got, err := newClient(t, cfg).Fetch(ctx, tc.sender, weekAgo)
			if err != nil || !slices.Equal(uids(got), tc.want) {
				t.Fatalf("got %v, %v; want %v", uids(got), err, tc.want)
			}
		})
	}
}

// TestConstantRoundTrips: one run (Fetch, MarkProcessed, Close) sends the
// same commands, once each, whatever the number of mails.
func TestConstantRoundTrips(t *testing.T) {
	for _, n := range []int{10, 1000} {
		t.Run(fmt.Sprint(n), func(t *testing.T) {
			srv, cfg := start(t)
			for i := range n {
				appendAll(t, srv, mail(cybozu, i+1))
			}
			appendAll(t, srv, mail("other@example.com", n+1))
			cfg.MaxMails = n
			c := New(cfg)
			got, err := c.Fetch(ctx, cybozu, weekAgo)
			if err != nil || len(got) != n {
				t.Fatalf("fetched %d, %v", len(got), err)
			}
			if err := c.MarkProcessed(ctx, uids(got)); err != nil {
				t.Fatal(err)
			}
			if err := c.Close(); err != nil {
				t.Fatal(err)
			}
			cmds := srv.Commands()
			t.Logf("%d mails: %v", n, cmds)
			want := map[string]int{"LOGIN": 1, "SELECT": 1, "SEARCH": 1, "FETCH": 1, "STORE": 1, "LOGOUT": 1}
			if !maps.Equal(cmds, want) {
				t.Errorf("commands %v, want %v", cmds, want)
			}
			if marked, _ := srv.WithFlag(contract.ProcessedKeyword); len(marked) != n {
				t.Errorf("%d marked, want %d", len(marked), n)
			}
		})
	}
}

func TestNothingToDoSendsNoFetchOrStore(t *testing.T) {
	srv, cfg := start(t)
	appendAll(t, srv, mail("other@example.com", 1))
	c := newClient(t, cfg)
	got, err := c.Fetch(ctx, cybozu, weekAgo)
	if err != nil || len(got) != 0 {
		t.Fatalf("%v, %v", uids(got), err)
	}
	if err := c.MarkProcessed(ctx, nil); err != nil {
		t.Fatal(err)
	}
	if cmds := srv.Commands(); cmds["FETCH"] != 0 || cmds["STORE"] != 0 || cmds["SEARCH"] != 1 {
		t.Errorf("commands %v", cmds)
	}
}

func TestMaxMailsTakesTheOldest(t *testing.T) {
	t.Run("configured", func(t *testing.T) {
		srv, cfg := start(t)
		for i := range 7 {
			appendAll(t, srv, mail(cybozu, i))
		}
		cfg.MaxMails = 5
		c := newClient(t, cfg)
		got, err := c.Fetch(ctx, cybozu, weekAgo)
		if err != nil || !slices.Equal(uids(got), []uint32{1, 2, 3, 4, 5}) {
			t.Fatalf("first run: %v, %v", uids(got), err)
		}
		if err := c.MarkProcessed(ctx, uids(got)); err != nil {
			t.Fatal(err)
		}
		got, err = c.Fetch(ctx, cybozu, weekAgo)
		if err != nil || !slices.Equal(uids(got), []uint32{6, 7}) {
			t.Fatalf("next run: %v, %v", uids(got), err)
		}
	})
	t.Run("default", func(t *testing.T) {
		srv, cfg := start(t)
		for i := range DefaultMaxMails + 20 {
			appendAll(t, srv, mail(cybozu, i))
		}
		got, err := newClient(t, cfg).Fetch(ctx, cybozu, weekAgo)
		if err != nil || len(got) != DefaultMaxMails || got[len(got)-1].UID != DefaultMaxMails {
			t.Fatalf("%d mails, %v", len(got), err)
		}
	})
}

func TestMaxBytes(t *testing.T) {
	srv, cfg := start(t)
	sized := func(i, size int) []byte {
		head := fmt.Sprintf("From: %s\r\nMessage-ID: <%d@x>\r\n\r\n", cybozu, i)
		return append([]byte(head), bytes.Repeat([]byte("x"), size-len(head))...)
	}
	appendAll(t, srv, sized(1, 2000), sized(2, 2000), sized(3, 100), sized(4, 2000), sized(5, 100))
	cfg.MaxBytes = 4300
	c := newClient(t, cfg)
	got, err := c.Fetch(ctx, cybozu, weekAgo)
	// 2000 + 2000 + 100 fit; 4 does not, 5 still does.
	if err != nil || !slices.Equal(uids(got), []uint32{1, 2, 3, 5}) {
		t.Fatalf("first run: %v, %v", uids(got), err)
	}
	if err := c.MarkProcessed(ctx, uids(got)); err != nil {
		t.Fatal(err)
	}
	got, err = c.Fetch(ctx, cybozu, weekAgo)
	if err != nil || !slices.Equal(uids(got), []uint32{4}) || len(got[0].Raw) != 2000 {
		t.Fatalf("next run: %v, %v", uids(got), err)
	}
	if n := srv.Commands()["FETCH"]; n != 2 {
		t.Errorf("%d FETCH, want 2", n)
	}
}

func TestLoginErrors(t *testing.T) {
	t.Run("wrong password", func(t *testing.T) {
		_, cfg := start(t)
		cfg.Password = "wrong-secret-value"
		_, err := newClient(t, cfg).Fetch(ctx, cybozu, weekAgo)
		if !errors.Is(err, ErrAuth) || !strings.Contains(err.Error(), "https://myaccount.google.com/apppasswords") || strings.Contains(err.Error(), "garoon-sync") ||
			!strings.Contains(err.Error(), cfg.Addr) || strings.Contains(err.Error(), "wrong-secret-value") {
			t.Fatalf("err = %v", err)
		}
	})
	t.Run("Gmail's invalid credentials", func(t *testing.T) {
		srv, cfg := start(t)
		srv.FailLogin(true)
		_, err := newClient(t, cfg).Fetch(ctx, cybozu, weekAgo)
		if !errors.Is(err, ErrAuth) || !strings.Contains(err.Error(), "Invalid credentials") || strings.Contains(err.Error(), password) {
			t.Fatalf("err = %v", err)
		}
	})
	t.Run("too many connections", func(t *testing.T) {
		srv, cfg := start(t)
		srv.FailLoginWith(&imap.Error{Type: imap.StatusResponseTypeNo, Code: imap.ResponseCodeAlert, Text: "Too many simultaneous connections. (Failure)"})
		_, err := newClient(t, cfg).Fetch(ctx, cybozu, weekAgo)
		var ie *imap.Error
		if errors.Is(err, ErrAuth) || !errors.As(err, &ie) || !strings.Contains(err.Error(), "Gmail allows 15") {
			t.Fatalf("err = %v", err)
		}
	})
}

func TestConnectErrors(t *testing.T) {
	t.Run("untrusted certificate", func(t *testing.T) {
		_, cfg := start(t)
		cfg.TLS = &tls.Config{RootCAs: x509.NewCertPool()}
		_, err := newClient(t, cfg).Fetch(ctx, cybozu, weekAgo)
		var unknown x509.UnknownAuthorityError
		if !errors.As(err, &unknown) || !strings.Contains(err.Error(), contract.EnvIMAPCAFile) || !strings.Contains(err.Error(), cfg.Addr) {
			t.Fatalf("err = %v", err)
		}
	})
	t.Run("certificate for another name", func(t *testing.T) {
		_, cfg := start(t)
		cfg.TLS.ServerName = "imap.gmail.com"
		_, err := newClient(t, cfg).Fetch(ctx, cybozu, weekAgo)
		var hostname x509.HostnameError
		if !errors.As(err, &hostname) {
			t.Fatalf("err = %v", err)
		}
	})
	t.Run("connection refused", func(t *testing.T) {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		addr := ln.Addr().String()
		ln.Close()
		_, err = newClient(t, Config{Addr: addr}).Fetch(ctx, cybozu, weekAgo)
		if err == nil || !strings.Contains(err.Error(), addr) || !strings.Contains(err.Error(), "refused") {
			t.Fatalf("err = %v", err)
		}
	})
	t.Run("address without a port", func(t *testing.T) {
		_, err := newClient(t, Config{Addr: "imap.gmail.com"}).Fetch(ctx, cybozu, weekAgo)
		if err == nil || !strings.Contains(err.Error(), "host:port") {
			t.Fatalf("err = %v", err)
		}
	})
	t.Run("mailbox not found", func(t *testing.T) {
		_, cfg := start(t)
		cfg.Mailbox = "Garoon/通知"
		_, err := newClient(t, cfg).Fetch(ctx, cybozu, weekAgo)
		if err == nil || !strings.Contains(err.Error(), `"Garoon/通知" not found`) {
			t.Fatalf("err = %v", err)
		}
	})
	t.Run("keywords not allowed", func(t *testing.T) {
		srv, cfg := start(t)
		srv.DisallowKeywords(true)
		_, err := newClient(t, cfg).Fetch(ctx, cybozu, weekAgo)
		if err == nil || !strings.Contains(err.Error(), "does not accept the keyword "+contract.ProcessedKeyword) {
			t.Fatalf("err = %v", err)
		}
	})
}

// silentServer accepts connections and never says anything. With tlsCert,
// it completes the TLS handshake first.
func silentServer(t *testing.T, tlsCfg *tls.Config) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	if tlsCfg != nil {
		ln = tls.NewListener(ln, tlsCfg)
	}
	done := make(chan struct{})
	t.Cleanup(func() { close(done); ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				if tc, ok := c.(*tls.Conn); ok {
					_ = tc.Handshake()
				}
				<-done
				c.Close()
			}()
		}
	}()
	return ln.Addr().String()
}

func TestDeadlineHonoured(t *testing.T) {
	const deadline = 300 * time.Millisecond
	const slack = 500 * time.Millisecond
	ca, err := fakeca.New("imapmail test CA")
	if err != nil {
		t.Fatal(err)
	}
	cert, pool := ca.Server, ca.Pool
	srv, cfg := start(t)
	appendAll(t, srv, mail(cybozu, 1))
	for _, tc := range []struct {
		name string
		cfg  func() Config
	}{
		{"TCP accepted, never speaks", func() Config {
			return Config{Addr: silentServer(t, nil)}
		}},
		{"TLS done, no greeting", func() Config {
			return Config{Addr: silentServer(t, &tls.Config{Certificates: []tls.Certificate{cert}}), TLS: &tls.Config{RootCAs: pool}}
		}},
		{"FETCH never answers", func() Config {
			srv.StallFetch(1)
			return cfg
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := newClient(t, tc.cfg())
			ctx, cancel := context.WithTimeout(ctx, deadline)
			defer cancel()
			begin := time.Now()
			_, err := c.Fetch(ctx, cybozu, weekAgo)
			took := time.Since(begin)
			if !errors.Is(err, context.DeadlineExceeded) || !strings.Contains(err.Error(), c.cfg.Addr) || took > deadline+slack {
				t.Fatalf("err %v after %v", err, took)
			}
			t.Logf("%v after %v", err, took.Round(time.Millisecond))
		})
	}
	t.Run("a new call after the deadline reconnects", func(t *testing.T) {
		srv.StallFetch(1)
		c := newClient(t, cfg)
		short, cancel := context.WithTimeout(ctx, deadline)
		defer cancel()
		if _, err := c.Fetch(short, cybozu, weekAgo); err == nil {
			t.Fatal("want an error")
		}
		got, err := c.Fetch(ctx, cybozu, weekAgo)
		if err != nil || len(got) != 1 {
			t.Fatalf("%v, %v", uids(got), err)
		}
	})
	t.Run("cancelled", func(t *testing.T) {
		srv.StallFetch(1)
		ctx, cancel := context.WithCancel(ctx)
		time.AfterFunc(100*time.Millisecond, cancel)
		_, err := newClient(t, cfg).Fetch(ctx, cybozu, weekAgo)
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("err = %v", err)
		}
	})
}

func TestDroppedMidFetch(t *testing.T) {
	for _, size := range []int{0, 50_000} { // cut between small mails, and inside a body
		t.Run(fmt.Sprint(size), func(t *testing.T) {
			srv, cfg := start(t)
			for i := range 20 {
				appendAll(t, srv, append(mail(cybozu, i), bytes.Repeat([]byte("x"), size)...))
			}
			srv.DropOnFetch(1)
			c := newClient(t, cfg)
			got, err := c.Fetch(ctx, cybozu, weekAgo)
			if err == nil || !strings.Contains(err.Error(), "UID FETCH") || !strings.Contains(err.Error(), cfg.Addr) {
				t.Fatalf("want an error naming the FETCH: %d mails, %v", len(got), err)
			}
			t.Log(err)
			got, err = c.Fetch(ctx, cybozu, weekAgo)
			if err != nil || len(got) != 20 {
				t.Fatalf("the same client afterwards: %d, %v", len(got), err)
			}
			if cmds := srv.Commands(); cmds["LOGIN"] != 2 || cmds["FETCH"] != 2 {
				t.Errorf("commands %v: want a reconnect", cmds)
			}
		})
	}
}

func TestStoreReconnectsOnce(t *testing.T) {
	srv, cfg := start(t)
	appendAll(t, srv, mail(cybozu, 1), mail(cybozu, 2))
	c := newClient(t, cfg)
	got, err := c.Fetch(ctx, cybozu, weekAgo)
	if err != nil || len(got) != 2 {
		t.Fatal(got, err)
	}
	srv.CloseConnections() // the server restarted between FETCH and STORE
	if err := c.MarkProcessed(ctx, uids(got)); err != nil {
		t.Fatal(err)
	}
	if marked, _ := srv.WithFlag(contract.ProcessedKeyword); !slices.Equal(marked, []uint32{1, 2}) {
		t.Fatalf("marked %v", marked)
	}
	if n := srv.Commands()["LOGIN"]; n != 2 {
		t.Errorf("%d LOGIN, want 2", n)
	}
}

func TestStoreRefusesWhenUIDValidityChanged(t *testing.T) {
	srv, cfg := start(t)
	appendAll(t, srv, mail(cybozu, 1), mail(cybozu, 2))
	c := newClient(t, cfg)
	got, err := c.Fetch(ctx, cybozu, weekAgo)
	if err != nil || len(got) != 2 {
		t.Fatal(got, err)
	}
	// The mailbox is rebuilt: UIDs 1 and 2 now name other mails.
	if err := srv.RecreateInbox(); err != nil {
		t.Fatal(err)
	}
	appendAll(t, srv, mail("someone@example.com", 3), mail(cybozu, 4))
	err = c.MarkProcessed(ctx, uids(got))
	if !errors.Is(err, ErrMailboxChanged) || !strings.Contains(err.Error(), "UIDVALIDITY") {
		t.Fatalf("err = %v", err)
	}
	if marked, _ := srv.WithFlag(contract.ProcessedKeyword); len(marked) != 0 {
		t.Fatalf("marked %v in the new mailbox", marked)
	}
	// A new Fetch takes the new UIDs, and marking them works.
	got, err = c.Fetch(ctx, cybozu, weekAgo)
	if err != nil || !slices.Equal(uids(got), []uint32{2}) {
		t.Fatalf("%v, %v", uids(got), err)
	}
	if err := c.MarkProcessed(ctx, uids(got)); err != nil {
		t.Fatal(err)
	}
}

func TestMarkWithoutFetch(t *testing.T) {
	srv, cfg := start(t)
	appendAll(t, srv, mail(cybozu, 1))
	c := newClient(t, cfg)
	if err := c.MarkProcessed(ctx, []uint32{1}); err != nil {
		t.Fatal(err)
	}
	if marked, _ := srv.WithFlag(contract.ProcessedKeyword); !slices.Equal(marked, []uint32{1}) {
		t.Fatalf("marked %v", marked)
	}
}

func TestCustomKeywordAndMailbox(t *testing.T) {
	srv, cfg := start(t)
	appendAll(t, srv, mail(cybozu, 1))
	cfg.Keyword = "$Synced"
	cfg.Mailbox = "inbox" // INBOX is case-insensitive
	c := newClient(t, cfg)
	if err := c.MarkProcessed(ctx, []uint32{1}); err != nil {
		t.Fatal(err)
	}
	if marked, _ := srv.WithFlag("$Synced"); !slices.Equal(marked, []uint32{1}) {
		t.Fatalf("marked %v", marked)
	}
	if got, err := c.Fetch(ctx, cybozu, weekAgo); err != nil || len(got) != 0 {
		t.Fatalf("%v, %v", uids(got), err)
	}
}

func TestClose(t *testing.T) {
	srv, cfg := start(t)
	c := New(cfg)
	if err := c.Close(); err != nil {
		t.Fatalf("Close before use: %v", err)
	}
	if _, err := c.Fetch(ctx, cybozu, weekAgo); err != nil {
		t.Fatal(err)
	}
	srv.CloseConnections()
	if err := c.Close(); err != nil {
		t.Fatalf("Close after the server hung up: %v", err)
	}
	if err := c.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
}

func TestLogsHoldNoSecrets(t *testing.T) {
	srv, cfg := start(t)
	appendAll(t, srv, mail(cybozu, 1))
	var logs bytes.Buffer
	cfg.Logger = slog.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	c := New(cfg)
	got, err := c.Fetch(ctx, cybozu, weekAgo)
	if err != nil || len(got) != 1 {
		t.Fatal(got, err)
	}
	if err := c.MarkProcessed(ctx, uids(got)); err != nil {
		t.Fatal(err)
	}
	c.Close()
	for _, secret := range []string{password, "body 1", "日時"} {
		if strings.Contains(logs.String(), secret) {
			t.Errorf("logs contain %q:\n%s", secret, logs.String())
		}
	}
	for _, want := range []string{"imap search", "imap fetch", "imap store"} {
		if !strings.Contains(logs.String(), want) {
			t.Errorf("no %q in the debug logs:\n%s", want, logs.String())
		}
	}
}

func TestLoadCA(t *testing.T) {
	srv, cfg := start(t)
	path, err := srv.WriteCAFile(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	pool, err := LoadCA(path)
	if err != nil {
		t.Fatal(err)
	}
	cfg.TLS = &tls.Config{RootCAs: pool}
	if _, err := newClient(t, cfg).Fetch(ctx, cybozu, weekAgo); err != nil {
		t.Fatal(err)
	}
	bad := filepath.Join(t.TempDir(), "bad.pem")
	if err := os.WriteFile(bad, []byte("not a certificate"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := LoadCA(bad); err == nil || !strings.Contains(err.Error(), bad) {
		t.Fatalf("err = %v", err)
	}
	if _, err := LoadCA(filepath.Join(t.TempDir(), "missing.pem")); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("err = %v", err)
	}
}

func TestBoundedConnClampsDeadlines(t *testing.T) {
	a, b := net.Pipe()
	defer a.Close()
	defer b.Close()
	c := &boundedConn{Conn: a}
	bound := time.Now().Add(time.Hour)
	c.limit(bound)
	for _, in := range []time.Time{{}, bound.Add(time.Minute)} {
		if got := c.clamp(in); !got.Equal(bound) {
			t.Errorf("clamp(%v) = %v, want the bound", in, got)
		}
	}
	if early := bound.Add(-time.Minute); !c.clamp(early).Equal(early) {
		t.Errorf("an earlier deadline was moved")
	}
	c.limit(time.Time{})
	if !c.clamp(time.Time{}).IsZero() {
		t.Errorf("no bound: a zero deadline must stay zero")
	}
	// imapclient clearing the deadline while idle does not lift the bound.
	c.limit(time.Now().Add(50 * time.Millisecond))
	_ = c.SetReadDeadline(time.Time{})
	begin := time.Now()
	if _, err := c.Read(make([]byte, 1)); !errors.Is(err, os.ErrDeadlineExceeded) || time.Since(begin) > time.Second {
		t.Fatalf("read: %v after %v", err, time.Since(begin))
	}
}

func TestSearchFrom(t *testing.T) {
	for _, tc := range []struct {
		sender, term string
		exact        bool // no check here: the server's match is enough
	}{
		{"", "", true},
		{cybozu, cybozu, true},
		{"Garoon <" + cybozu + ">", cybozu, true},
		{cybozu + " (Garoon)", cybozu, true},
		{"通知@garoon.example.jp", "@garoon.example.jp", false},
		{"通知 <通知@例え.jp>", ".jp", false},
		{"通知@例え", "", false},
	} {
		term, match := searchFrom(tc.sender)
		if term != tc.term || (match == nil) != tc.exact {
			t.Errorf("searchFrom(%q) = %q, match %v; want %q, %v", tc.sender, term, match != nil, tc.term, !tc.exact)
		}
	}
}

// A non-ASCII sender is matched here, as the parser will read the mail's
// sender: the first From, unfolded, its address only.
func TestSearchFromMatch(t *testing.T) {
	_, match := searchFrom("通知 <通知@Garoon.example.jp>")
	for raw, want := range map[string]bool{
		"From: 通知@garoon.example.jp\r\n\r\n":                                       true,
		"Subject: x\r\nfrom: =?UTF-8?B?eA==?=\r\n\t<通知@GAROON.example.jp>\r\n\r\n": true,
		"From: other@garoon.example.jp\r\n\r\n":                                    false,
		"From: \"通知@garoon.example.jp\" <x@garoon.example.jp>\r\n\r\n":             false,
		"From: x@garoon.example.jp\nFrom: 通知@garoon.example.jp\n\n":                false,
		"Subject: x\r\n\r\n": false,
		// An unreadable header is kept: the engine reports the mail.
		"From: 通知@garoon.example.jp": true,
	} {
		if got := match([]byte(raw)); got != want {
			t.Errorf("match(%q) = %v, want %v", raw, got, want)
		}
	}
}

func BenchmarkFetch1000(b *testing.B) {
	srv, cfg := start(b)
	for i := range 1000 {
		appendAll(b, srv, mail(cybozu, i))
	}
	cfg.MaxMails = 1000
	b.ReportAllocs()
	for b.Loop() {
		c := New(cfg)
		got, err := c.Fetch(ctx, cybozu, weekAgo)
		if err != nil || len(got) != 1000 {
			b.Fatal(len(got), err)
		}
		c.Close()
	}
}
