package safehttp

import (
	"context"
	"encoding/binary"
	"errors"
	"io"
	"net"
	"net/http"
	"net/netip"
	"syscall"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// metadataAddrs are the cloud metadata addresses and IPv6 forms of them.
var metadataAddrs = []string{
	"169.254.169.254",
	"169.254.170.2",
	"169.254.170.23",
	"100.100.100.200",
	"fd00:ec2::254",
	"fd00:ec2::23",
	"::ffff:169.254.169.254",
	"64:ff9b::a9fe:a9fe",
	"2002:a9fe:a9fe::1",
}

func TestAllowedHostsStillRefuseMetadata(t *testing.T) {
	p := newPolicy([]Option{AllowHosts("meta.test")})
	require.True(t, p.allowedHost("meta.test"))
	for _, a := range metadataAddrs {
		reason := p.checkAllowedHostAddr(netip.MustParseAddr(a))
		assert.True(t, isMetadata(reason), "%s: %q", a, reason)
	}
	// An allowed host reaches everything else, private networks included.
	for _, a := range []string{"127.0.0.1", "::1", "10.1.2.3", "169.254.1.1", "169.254.170.3", "100.100.100.201", "fd00:ec2::255", "8.8.8.8"} {
		assert.Empty(t, p.checkAllowedHostAddr(netip.MustParseAddr(a)), a)
	}
}

func TestAllowNetworksLetsMetadataThroughForAllowedHosts(t *testing.T) {
	p := newPolicy([]Option{
		AllowHosts("meta.test"),
		AllowNetworks(netip.MustParsePrefix("169.254.169.254/32"), netip.MustParsePrefix("fd00:ec2::254/128")),
	})
	for _, a := range []string{"169.254.169.254", "::ffff:169.254.169.254", "fd00:ec2::254"} {
		assert.Empty(t, p.checkAllowedHostAddr(netip.MustParseAddr(a)), a)
	}
	// Only the addresses the networks hold.
	assert.Equal(t, ReasonMetadata, p.checkAllowedHostAddr(netip.MustParseAddr("169.254.170.2")))
	assert.Equal(t, ReasonMetadata, p.checkAllowedHostAddr(netip.MustParseAddr("100.100.100.200")))
}

func TestAllowedMetadataLiteralIsRefusedBeforeDialling(t *testing.T) {
	p := newPolicy([]Option{AllowHosts("169.254.169.254", "[fd00:ec2::254]", "127.0.0.1")})
	for _, host := range []string{"169.254.169.254", "[fd00:ec2::254]", "fd00:ec2::254"} {
		err := p.checkHost(host, "80")
		var blocked *BlockedError
		require.ErrorAs(t, err, &blocked, host)
		assert.Equal(t, ReasonMetadata, blocked.Reason)
	}
	assert.EqualError(t, p.checkHost("169.254.169.254", "80"),
		"safehttp: refused to connect to 169.254.169.254:80 (cloud metadata): outbound requests may not reach the cloud metadata service, even for hosts allowed with safehttp.AllowHosts; allow the address with safehttp.AllowNetworks")
	assert.NoError(t, p.checkHost("127.0.0.1", "80"))

	p = newPolicy([]Option{AllowHosts("169.254.169.254"), AllowNetworks(netip.MustParsePrefix("169.254.169.254/32"))})
	assert.NoError(t, p.checkHost("169.254.169.254", "80"))
}

func TestAllowedNameBoundToMetadataIsRefusedWhenDialled(t *testing.T) {
	// meta.test resolves to 169.254.169.254 through an in-memory DNS
	// server. The connection is refused after the socket is made and
	// before it connects: nothing is sent to the address.
	d := NewDialer(AllowHosts("meta.test"))
	d.allowed.Resolver = fakeResolver(netip.MustParseAddr("169.254.169.254"))
	d.guarded.Resolver = d.allowed.Resolver
	// Should the guard let it through, fail rather than connect.
	guard := d.allowed.Control
	d.allowed.Control = func(network, address string, c syscall.RawConn) error {
		if guard != nil {
			if err := guard(network, address, c); err != nil {
				return err
			}
		}
		return errors.New("test: the dialer would have connected to " + address)
	}

	conn, err := d.DialContext(context.Background(), "tcp4", "meta.test:80")
	if conn != nil {
		conn.Close()
	}
	var blocked *BlockedError
	require.ErrorAs(t, err, &blocked)
	assert.Equal(t, &BlockedError{Host: "meta.test", Addr: "169.254.169.254:80", Reason: ReasonMetadata}, blocked)
	assert.EqualError(t, err, "safehttp: refused to connect to host meta.test (cloud metadata): outbound requests may not reach the cloud metadata service, even for hosts allowed with safehttp.AllowHosts; allow the address with safehttp.AllowNetworks")

	// Through a client, redirects included.
	client := &http.Client{Transport: newTransport(d), CheckRedirect: d.policy.checkRedirect}
	resp, err := client.Get("http://meta.test/latest/meta-data/")
	if resp != nil {
		resp.Body.Close()
	}
	require.ErrorIs(t, err, ErrRefused)
	assert.NotContains(t, err.Error(), "169.254.169.254")
}

func TestAllowedNameStillReachesOtherAddresses(t *testing.T) {
	// The same name bound to loopback, where a test server listens, is let
	// through: only metadata addresses are refused to allowed hosts.
	l, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		t.Skipf("cannot listen: %v", err)
	}
	defer l.Close()
	go func() {
		if c, err := l.Accept(); err == nil {
			c.Close()
		}
	}()
	_, port, _ := net.SplitHostPort(l.Addr().String())

	resolver := fakeResolver(netip.MustParseAddr("127.0.0.1"))
	d := NewDialer(AllowHosts("meta.test"))
	d.allowed.Resolver, d.guarded.Resolver = resolver, resolver
	conn, err := d.DialContext(context.Background(), "tcp4", "meta.test:"+port)
	require.NoError(t, err)
	conn.Close()

	// Not allowed, the name is refused, without the address in the text.
	d = NewDialer()
	d.allowed.Resolver, d.guarded.Resolver = resolver, resolver
	_, err = d.DialContext(context.Background(), "tcp4", "meta.test:"+port)
	var blocked *BlockedError
	require.ErrorAs(t, err, &blocked)
	assert.Equal(t, "127.0.0.1:"+port, blocked.Addr)
	assert.EqualError(t, err, "safehttp: refused to connect to host meta.test (loopback): outbound requests may not reach the host's private network; allow it with safehttp.AllowHosts or safehttp.AllowNetworks")
}

// fakeResolver resolves every name to ip, through a DNS server held in
// memory: nothing is sent over the network.
func fakeResolver(ip netip.Addr) *net.Resolver {
	return &net.Resolver{
		PreferGo: true,
		Dial: func(ctx context.Context, network, address string) (net.Conn, error) {
			client, server := net.Pipe()
			go serveDNS(server, ip)
			return client, nil
		},
	}
}

// serveDNS answers DNS queries on c, framed as over TCP (a net.Pipe is not
// a PacketConn, so the resolver frames its queries so), until c closes.
func serveDNS(c net.Conn, ip netip.Addr) {
	defer c.Close()
	for {
		var n [2]byte
		if _, err := io.ReadFull(c, n[:]); err != nil {
			return
		}
		q := make([]byte, binary.BigEndian.Uint16(n[:]))
		if _, err := io.ReadFull(c, q); err != nil {
			return
		}
		r := dnsAnswer(q, ip)
		if _, err := c.Write(append(binary.BigEndian.AppendUint16(nil, uint16(len(r))), r...)); err != nil {
			return
		}
	}
}

// dnsAnswer answers query q: with ip for an A query when ip is IPv4 or an
// AAAA query when it is IPv6, else with no records.
func dnsAnswer(q []byte, ip netip.Addr) []byte {
	const typeA, typeAAAA = 1, 28
	// The header is 12 bytes; the one question follows: its name as
	// labels up to a zero byte, then its type and class.
	end := 12
	for end < len(q) && q[end] != 0 {
		end += int(q[end]) + 1
	}
	end += 1 + 4
	if end > len(q) {
		return nil
	}
	qtype := binary.BigEndian.Uint16(q[end-4:])
	r := append([]byte{}, q[:end]...) // header and question, without EDNS
	r[2], r[3] = 0x81, 0x80           // response, recursion desired and available, no error
	binary.BigEndian.PutUint16(r[6:], 0)
	binary.BigEndian.PutUint16(r[8:], 0)
	binary.BigEndian.PutUint16(r[10:], 0)
	if qtype == typeA && ip.Is4() || qtype == typeAAAA && ip.Is6() {
		binary.BigEndian.PutUint16(r[6:], 1)
		r = append(r, 0xc0, 12) // the name: a pointer to the question's
		r = binary.BigEndian.AppendUint16(r, qtype)
		r = binary.BigEndian.AppendUint16(r, 1) // class IN
		r = binary.BigEndian.AppendUint32(r, 60)
		b := ip.AsSlice()
		r = binary.BigEndian.AppendUint16(r, uint16(len(b)))
		r = append(r, b...)
	}
	return r
}
