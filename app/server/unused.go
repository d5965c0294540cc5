package server

import (
	"crypto/tls"
	"io"
	"net"
	"sync"
	"sync/atomic"
)

// unusedConns is the HTTP listener, keeping track of the connections that
// have not sent a byte yet, so that a graceful shutdown can close them.
// fasthttp's shutdown closes the idle keep-alive connections, but waits for
// a new one that never sent its first request (browsers open connections
// ahead of need, and Go's HTTP client keeps one it dialed while another came
// free) as for a request in progress: SIGTERM then took the whole shutdown
// deadline and ended in an error.
type unusedConns struct {
	net.Listener
	mu      sync.Mutex
	unused  map[*firstRead]struct{}
	closing bool // closeUnused was called: a connection accepted later is closed at once
}

func trackUnused(l net.Listener) *unusedConns {
	return &unusedConns{Listener: l, unused: map[*firstRead]struct{}{}}
}

func (l *unusedConns) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	fc := &firstRead{Conn: c, l: l}
	l.mu.Lock()
	closing := l.closing
	if !closing {
		l.unused[fc] = struct{}{}
	}
	l.mu.Unlock()
	if closing {
		_ = c.Close()
	}
	if tc, ok := c.(*tls.Conn); ok {
		return firstReadTLS{fc, tc}, nil // fasthttp tells HTTPS by these methods
	}
	return fc, nil
}

// closeUnused closes every connection that has not sent a byte, and from now
// on each one accepted. A request whose first bytes come at this very
// moment is refused as one coming after the listener closed would be.
func (l *unusedConns) closeUnused() {
	l.mu.Lock()
	l.closing = true
	conns := make([]*firstRead, 0, len(l.unused))
	for c := range l.unused {
		conns = append(conns, c)
	}
	l.unused = map[*firstRead]struct{}{}
	l.mu.Unlock()
	for _, c := range conns {
		_ = c.Conn.Close()
	}
}

func (l *unusedConns) forget(c *firstRead) {
	l.mu.Lock()
	delete(l.unused, c)
	l.mu.Unlock()
}

// firstRead is a connection that tells its listener when it first reads.
type firstRead struct {
	net.Conn
	l    *unusedConns
	used atomic.Bool
}

func (c *firstRead) Read(p []byte) (int, error) {
	n, err := c.Conn.Read(p)
	if n > 0 && !c.used.Load() {
		c.used.Store(true)
		c.l.forget(c)
	}
	return n, err
}

// ReadFrom hands a response body to the connection's own ReadFrom, so that
// a file (a recording, fiber's SendFile) still goes out with sendfile on a
// TCP connection rather than through a copy loop in user space.
func (c *firstRead) ReadFrom(r io.Reader) (int64, error) {
	if rf, ok := c.Conn.(io.ReaderFrom); ok {
		return rf.ReadFrom(r)
	}
	return io.Copy(struct{ io.Writer }{c.Conn}, r)
}

func (c *firstRead) Close() error {
	c.l.forget(c)
	return c.Conn.Close()
}

// firstReadTLS is a firstRead over TLS, with the methods fasthttp looks for.
type firstReadTLS struct {
	*firstRead
	tc *tls.Conn
}

func (c firstReadTLS) Handshake() error                     { return c.tc.Handshake() }
func (c firstReadTLS) ConnectionState() tls.ConnectionState { return c.tc.ConnectionState() }
