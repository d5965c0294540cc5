package web

import (
	"net/netip"
	"strings"

	"github.com/gofiber/fiber/v2"
)

const forwardedFor = "X-Forwarded-For"

// clientIP is the address of a request's client. From a peer that is not a
// trusted proxy it is the peer. From a trusted proxy it is read from
// X-Forwarded-For, right to left: each proxy appends the address it got the
// request from, so the rightmost address that is not a trusted proxy is the
// first one no trusted proxy vouches for; whatever stands to its left, the
// client wrote itself. When every address is trusted the leftmost is the
// client. An entry that is not an address ends the walk at the last trusted
// hop, which is then the client. (fiber's ProxyHeader takes the leftmost
// address, which any client can set, so it is not used.)
func clientIP(peer netip.Addr, forwarded []string, trusted []netip.Prefix) netip.Addr {
	peer = peer.Unmap()
	if !isTrusted(peer, trusted) {
		return peer
	}
	client := peer
	for i := len(forwarded) - 1; i >= 0; i-- {
		hops := strings.Split(forwarded[i], ",")
		for j := len(hops) - 1; j >= 0; j-- {
			hop := strings.TrimSpace(hops[j])
			if hop == "" {
				continue
			}
			a, ok := parseHop(hop)
			if !ok {
				return client
			}
			client = a
			if !isTrusted(a, trusted) {
				return a
			}
		}
	}
	return client
}

// parseHop reads one X-Forwarded-For entry: an address, perhaps with a
// port ("192.0.2.1:4711", "[2001:db8::1]:4711").
func parseHop(s string) (netip.Addr, bool) {
	if a, err := netip.ParseAddr(s); err == nil && a.Zone() == "" {
		return a.Unmap(), true
	}
	if ap, err := netip.ParseAddrPort(s); err == nil && ap.Addr().Zone() == "" {
		return ap.Addr().Unmap(), true
	}
	return netip.Addr{}, false
}

func isTrusted(a netip.Addr, trusted []netip.Prefix) bool {
	for _, p := range trusted {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// clientKey is what a per-client limit counts by: the address, and for IPv6
// its /64 network, the block a single subscriber usually gets.
func clientKey(a netip.Addr) string {
	if a.Is6() {
		p, _ := a.Prefix(64)
		return p.String()
	}
	return a.String()
}

// findClient finds the client's address once per request, for the access
// log, the limits and the tokens' client_address.
func (s *Server) findClient(c *fiber.Ctx) error {
	peer, _ := netip.AddrFromSlice(c.Context().RemoteIP())
	var forwarded []string
	if len(s.TrustedProxies) > 0 {
		c.Request().Header.VisitAll(func(k, v []byte) {
			if strings.EqualFold(string(k), forwardedFor) {
				forwarded = append(forwarded, string(v))
			}
		})
	}
	c.Locals("client_ip", clientIP(peer, forwarded, s.TrustedProxies))
	return c.Next()
}

// clientOf is the client's address found by findClient.
func clientOf(c *fiber.Ctx) netip.Addr {
	a, _ := c.Locals("client_ip").(netip.Addr)
	return a
}
