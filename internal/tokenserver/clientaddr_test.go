package tokenserver

import (
	"net/http/httptest"
	"net/netip"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParseTrustedProxies(t *testing.T) {
	p, err := ParseTrustedProxies(" 127.0.0.1/32, 10.1.2.3/8 ,::1,, 192.0.2.7")
	require.NoError(t, err)
	assert.Equal(t, []netip.Prefix{
		netip.MustParsePrefix("127.0.0.1/32"),
		netip.MustParsePrefix("10.0.0.0/8"),
		netip.MustParsePrefix("::1/128"),
		netip.MustParsePrefix("192.0.2.7/32"),
	}, p)
	p, err = ParseTrustedProxies("")
	require.NoError(t, err)
	assert.Nil(t, p, "empty: no proxy is trusted")
	for _, bad := range []string{"nginx", "10.0.0.0/33", "1.2.3"} {
		_, err := ParseTrustedProxies(bad)
		assert.Error(t, err, bad)
	}
}

// TestClientAddrSpoofedForwardedFor checks that a client cannot choose
// the address its failed logins are counted under by sending
// X-Forwarded-For itself.
func TestClientAddrSpoofedForwardedFor(t *testing.T) {
	trusted, err := ParseTrustedProxies("127.0.0.1/32, 10.0.0.0/8")
	require.NoError(t, err)
	tests := []struct {
		name   string
		peer   string
		xff    []string
		trust  []netip.Prefix
		client string
	}{
		{name: "no proxy trusted: the peer, whatever the header says", peer: "198.51.100.7:4711", xff: []string{"203.0.113.1"}, client: "198.51.100.7"},
		{name: "untrusted peer: the header is ignored", peer: "198.51.100.7:4711", xff: []string{"203.0.113.1"}, trust: trusted, client: "198.51.100.7"},
		{name: "trusted proxy, no header: the proxy", peer: "127.0.0.1:4711", trust: trusted, client: "127.0.0.1"},
		{name: "trusted proxy: the address it appended", peer: "127.0.0.1:4711", xff: []string{"203.0.113.1"}, trust: trusted, client: "203.0.113.1"},
		{name: "the client's own entries are skipped", peer: "127.0.0.1:4711", xff: []string{"1.1.1.1, 2.2.2.2, 203.0.113.1"}, trust: trusted, client: "203.0.113.1"},
		{name: "a chain of trusted proxies", peer: "127.0.0.1:4711", xff: []string{"6.6.6.6, 203.0.113.1, 10.0.0.5, 10.9.9.9"}, trust: trusted, client: "203.0.113.1"},
		{name: "several header lines read as one list", peer: "127.0.0.1:4711", xff: []string{"6.6.6.6", "203.0.113.1, 10.0.0.5"}, trust: trusted, client: "203.0.113.1"},
		{name: "all trusted: the leftmost", peer: "127.0.0.1:4711", xff: []string{"10.0.0.1, 10.0.0.2"}, trust: trusted, client: "10.0.0.1"},
		{name: "garbage stops the walk at the proxy that passed it", peer: "127.0.0.1:4711", xff: []string{"203.0.113.1, garbage, 10.0.0.5"}, trust: trusted, client: "10.0.0.5"},
		{name: "an empty entry is garbage too", peer: "127.0.0.1:4711", xff: []string{"203.0.113.1,"}, trust: trusted, client: "127.0.0.1"},
		{name: "address with port", peer: "127.0.0.1:4711", xff: []string{"203.0.113.1:5000"}, trust: trusted, client: "203.0.113.1"},
		{name: "IPv6 with port", peer: "127.0.0.1:4711", xff: []string{"[2001:db8::1]:5000"}, trust: trusted, client: "2001:db8::1"},
		{name: "IPv4-mapped peer", peer: "[::ffff:127.0.0.1]:4711", xff: []string{"203.0.113.1"}, trust: trusted, client: "203.0.113.1"},
		{name: "unreadable peer", peer: "pipe", trust: trusted, client: "invalid IP"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest("GET", "/", nil)
			r.RemoteAddr = tt.peer
			for _, v := range tt.xff {
				r.Header.Add("X-Forwarded-For", v)
			}
			assert.Equal(t, tt.client, clientAddr(r, tt.trust).String())
		})
	}
}

func TestAddrKeyGroupsIPv6By64(t *testing.T) {
	assert.Equal(t, "203.0.113.1", addrKey(netip.MustParseAddr("203.0.113.1")))
	assert.Equal(t, "2001:db8:1:2::/64", addrKey(netip.MustParseAddr("2001:db8:1:2:aaaa::1")))
	assert.Equal(t, addrKey(netip.MustParseAddr("2001:db8:1:2::1")), addrKey(netip.MustParseAddr("2001:db8:1:2:ffff::9")))
	assert.Equal(t, "unknown", addrKey(netip.Addr{}))
}

func FuzzClientAddr(f *testing.F) {
	f.Add("127.0.0.1:1", "1.2.3.4, 10.0.0.1")
	f.Add("127.0.0.1:1", "[::1]:80,,garbage")
	trusted, _ := ParseTrustedProxies("127.0.0.0/8, 10.0.0.0/8, ::1")
	f.Fuzz(func(t *testing.T, peer, xff string) {
		r := httptest.NewRequest("GET", "/", nil)
		r.RemoteAddr = peer
		r.Header.Set("X-Forwarded-For", xff)
		a := clientAddr(r, trusted)
		if p, err := netip.ParseAddrPort(peer); err == nil && !isTrusted(p.Addr().Unmap(), trusted) && a != p.Addr().Unmap() {
			t.Fatalf("untrusted peer %s, client %s", peer, a)
		}
		_ = addrKey(a)
	})
}
