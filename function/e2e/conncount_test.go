package e2e

import (
	"io"
	"net"
	"sync"
	"sync/atomic"
	"testing"
)

// connCounter is a TCP forwarder on 127.0.0.1 in front of a server that
// counts the connections clients open. Dovecot's own log cannot say this
// exactly: its processes write to it asynchronously, so a line can land
// after the run that caused it has returned. A connection is counted when
// it is accepted, which is before the client can read the server's first
// byte, so once a run has returned every connection it used is counted.
type connCounter struct {
	ln     net.Listener
	target string
	n      atomic.Int64
	wg     sync.WaitGroup
}

func countConns(t *testing.T, target string) *connCounter {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	must(t, err)
	c := &connCounter{ln: ln, target: target}
	c.wg.Add(1)
	go c.serve()
	t.Cleanup(func() { ln.Close(); c.wg.Wait() })
	return c
}

func (c *connCounter) addr() string { return c.ln.Addr().String() }

// count is how many connections were accepted so far.
func (c *connCounter) count() int { return int(c.n.Load()) }

func (c *connCounter) serve() {
	defer c.wg.Done()
	for {
		client, err := c.ln.Accept()
		if err != nil {
			return
		}
		c.n.Add(1)
		c.wg.Add(1)
		go func() {
			defer c.wg.Done()
			defer client.Close()
			server, err := net.Dial("tcp", c.target)
			if err != nil {
				return
			}
			defer server.Close()
			done := make(chan struct{})
			go func() {
				_, _ = io.Copy(server, client)
				server.(*net.TCPConn).CloseWrite()
				close(done)
			}()
			_, _ = io.Copy(client, server)
			client.(*net.TCPConn).CloseWrite()
			<-done
		}()
	}
}
