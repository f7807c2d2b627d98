package fakeimap

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"maps"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"
)

func startIMAP(t *testing.T) *Server {
	t.Helper()
	srv, err := Start("u@example.com", "pw")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	return srv
}

func dialIMAP(t *testing.T, srv *Server) *imapclient.Client {
	t.Helper()
	c, err := imapclient.DialTLS(srv.Addr, &imapclient.Options{TLSConfig: &tls.Config{RootCAs: srv.CertPool}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	if err := c.Login("u@example.com", "pw").Wait(); err != nil {
		t.Fatal(err)
	}
	return c
}

func TestIMAPServerStoresKeywordsAndCounts(t *testing.T) {
	srv := startIMAP(t)
	for i, raw := range []string{"Subject: a\r\n\r\na\r\n", "Subject: b\r\n\r\nb\r\n"} {
		if err := srv.Append([]byte(raw), time.Now().Add(time.Duration(i)*time.Minute)); err != nil {
			t.Fatal(err)
		}
	}
	c := dialIMAP(t, srv)
	sel, err := c.Select("INBOX", nil).Wait()
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Contains(sel.PermanentFlags, imap.FlagWildcard) || sel.NumMessages != 2 {
		t.Fatalf("SELECT: %+v", sel)
	}
	body := &imap.FetchItemBodySection{Peek: true}
	msgs, err := c.Fetch(imap.UIDSetNum(1, 2), &imap.FetchOptions{UID: true, BodySection: []*imap.FetchItemBodySection{body}}).Collect()
	if err != nil || len(msgs) != 2 || string(msgs[1].FindBodySection(body)) != "Subject: b\r\n\r\nb\r\n" {
		t.Fatalf("FETCH: %v, %v", msgs, err)
	}
	if err := c.Store(imap.UIDSetNum(2), &imap.StoreFlags{Op: imap.StoreFlagsAdd, Silent: true, Flags: []imap.Flag{"GaroonSynced"}}, nil).Close(); err != nil {
		t.Fatal(err)
	}
	// A literal is skipped, not read as commands.
	raw := "Subject: c\r\n\r\nx1 LOGOUT\r\nx2 STORE 1 +FLAGS (k)\r\n"
	w := c.Append("INBOX", int64(len(raw)), nil)
	if _, err := w.Write([]byte(raw)); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := w.Wait(); err != nil {
		t.Fatal(err)
	}
	if err := c.Logout().Wait(); err != nil {
		t.Fatal(err)
	}

	msgs2, err := srv.Messages()
	if err != nil {
		t.Fatal(err)
	}
	if len(msgs2) != 3 || !msgs2[1].Has("garoonsynced") || msgs2[0].Has("GaroonSynced") || msgs2[0].Has(`\Seen`) {
		t.Fatalf("messages %+v", msgs2)
	}
	if uids, err := srv.WithFlag("GaroonSynced"); err != nil || !slices.Equal(uids, []uint32{2}) {
		t.Fatalf("WithFlag: %v, %v", uids, err)
	}
	want := map[string]int{"LOGIN": 1, "SELECT": 1, "FETCH": 1, "STORE": 1, "APPEND": 1, "LOGOUT": 1}
	if got := srv.Commands(); !maps.Equal(got, want) {
		t.Errorf("commands %v, want %v (inspection is not counted)", got, want)
	}
	srv.ResetCommands()
	if got := srv.Commands(); len(got) != 0 {
		t.Errorf("after reset: %v", got)
	}
}

func TestCommandScanner(t *testing.T) {
	for _, tc := range []struct {
		name   string
		chunks []string
		want   []string
	}{
		{"plain", []string{"a1 LOGIN u p\r\na2 select INBOX\r\n"}, []string{"LOGIN", "SELECT"}},
		{"uid", []string{"a3 UID SEARCH FROM x\r\na4 uid fetch 1:5 (UID BODY.PEEK[])\r\n"}, []string{"SEARCH", "FETCH"}},
		{"split", []string{"a5 UID ST", "ORE 1 +FLAGS", ".SILENT (k)\r", "\n"}, []string{"STORE"}},
		{"literal", []string{"a6 APPEND INBOX {12}\r\n", "x2 LOGOUT\r\n", "\r\na7 NOOP\r\n"}, []string{"APPEND", "NOOP"}},
		{"non-sync literal in LOGIN", []string{"a8 LOGIN {3+}\r\nx y{4+}\r\npass\r\n"}, []string{"LOGIN"}},
		{"idle done", []string{"a9 IDLE\r\nDONE\r\n"}, []string{"IDLE"}},
		{"sasl response", []string{"b1 AUTHENTICATE PLAIN\r\nAHUAcHc=\r\n"}, []string{"AUTHENTICATE"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var s commandScanner
			var got []string
			for _, chunk := range tc.chunks {
				got = append(got, s.scan([]byte(chunk))...)
			}
			if !slices.Equal(got, tc.want) {
				t.Errorf("got %v, want %v", got, tc.want)
			}
		})
	}
}

func TestIMAPServerFaults(t *testing.T) {
	t.Run("drop mid-FETCH", func(t *testing.T) {
		srv := startIMAP(t)
		for range 5 {
			if err := srv.Append([]byte("Subject: x\r\n\r\n"+strings.Repeat("x", 10000)+"\r\n"), time.Now()); err != nil {
				t.Fatal(err)
			}
		}
		srv.DropOnFetch(1)
		c := dialIMAP(t, srv)
		if _, err := c.Select("INBOX", nil).Wait(); err != nil {
			t.Fatal(err)
		}
		// Flags, not bodies: imapclient's Collect races with its own reader
		// when a body literal is cut short (imapmail reads bodies itself).
		msgs, err := c.Fetch(imap.UIDSetNum(1, 2, 3, 4, 5), &imap.FetchOptions{UID: true, Flags: true}).Collect()
		if err == nil {
			t.Fatalf("FETCH succeeded: %d messages", len(msgs))
		}
		body := &imap.FetchItemBodySection{Peek: true}
		c2 := dialIMAP(t, srv) // only the next FETCH was cut
		if _, err := c2.Select("INBOX", nil).Wait(); err != nil {
			t.Fatal(err)
		}
		if msgs, err := c2.Fetch(imap.UIDSetNum(1), &imap.FetchOptions{BodySection: []*imap.FetchItemBodySection{body}}).Collect(); err != nil || len(msgs) != 1 {
			t.Fatalf("%v, %v", msgs, err)
		}
	})
	t.Run("login", func(t *testing.T) {
		srv := startIMAP(t)
		srv.FailLogin(true)
		c, err := imapclient.DialTLS(srv.Addr, &imapclient.Options{TLSConfig: &tls.Config{RootCAs: srv.CertPool}})
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		var ie *imap.Error
		if err := c.Login("u@example.com", "pw").Wait(); !errors.As(err, &ie) || ie.Code != imap.ResponseCodeAuthenticationFailed {
			t.Fatalf("err = %v", err)
		}
		srv.FailLogin(false)
		if err := c.Login("u@example.com", "pw").Wait(); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("no keywords", func(t *testing.T) {
		srv := startIMAP(t)
		srv.DisallowKeywords(true)
		c := dialIMAP(t, srv)
		sel, err := c.Select("INBOX", nil).Wait()
		if err != nil || slices.Contains(sel.PermanentFlags, imap.FlagWildcard) || !slices.Contains(sel.PermanentFlags, imap.FlagSeen) {
			t.Fatalf("%+v, %v", sel, err)
		}
	})
	t.Run("recreate inbox", func(t *testing.T) {
		srv := startIMAP(t)
		c := dialIMAP(t, srv)
		before, err := c.Select("INBOX", nil).Wait()
		if err != nil {
			t.Fatal(err)
		}
		if err := srv.RecreateInbox(); err != nil {
			t.Fatal(err)
		}
		select {
		case <-c.Closed():
		case <-time.After(5 * time.Second):
			t.Fatal("the connection stayed open")
		}
		after, err := dialIMAP(t, srv).Select("INBOX", nil).Wait()
		if err != nil || after.UIDValidity == before.UIDValidity {
			t.Fatalf("UIDVALIDITY %d then %d, %v", before.UIDValidity, after.UIDValidity, err)
		}
	})
}

func TestIMAPServerCAFile(t *testing.T) {
	srv := startIMAP(t)
	path, err := srv.WriteCAFile(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	pem, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pem) {
		t.Fatal("no certificate in the CA file")
	}
	for _, name := range []string{"127.0.0.1", "localhost"} {
		conn, err := tls.Dial("tcp", srv.Addr, &tls.Config{RootCAs: pool, ServerName: name})
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		conn.Close()
	}
}
