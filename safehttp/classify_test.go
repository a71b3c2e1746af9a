package safehttp

import (
	"net/netip"
	"testing"

	"github.com/stretchr/testify/assert"
)

// The classifier looks at addresses only; nothing here resolves or dials.
func TestClassify(t *testing.T) {
	tests := []struct {
		addr string
		want string
	}{
		// Loopback, unspecified, link-local, metadata.
		{"127.0.0.1", ReasonLoopback},
		{"127.255.255.254", ReasonLoopback},
		{"::1", ReasonLoopback},
		{"0.0.0.0", ReasonUnspecified},
		{"0.1.2.3", ReasonUnspecified},
		{"::", ReasonUnspecified},
		{"169.254.169.254", ReasonMetadata},
		{"169.254.170.2", ReasonMetadata},   // AWS ECS task metadata
		{"169.254.170.23", ReasonMetadata},  // AWS EKS Pod Identity
		{"100.100.100.200", ReasonMetadata}, // Alibaba Cloud
		{"fd00:ec2::254", ReasonMetadata},   // AWS metadata over IPv6
		{"fd00:ec2::23", ReasonMetadata},    // AWS EKS Pod Identity over IPv6
		{"169.254.170.3", ReasonLinkLocal},
		{"100.100.100.201", ReasonCGNAT},
		{"fd00:ec2::255", ReasonPrivate},
		{"169.254.1.1", ReasonLinkLocal},
		{"fe80::1", ReasonLinkLocal},
		{"fe80::1%eth0", ReasonLinkLocal},
		// Private and carrier-grade NAT.
		{"10.0.0.1", ReasonPrivate},
		{"172.16.0.1", ReasonPrivate},
		{"172.31.255.255", ReasonPrivate},
		{"192.168.1.1", ReasonPrivate},
		{"fc00::1", ReasonPrivate},
		{"fd12:3456::1", ReasonPrivate},
		{"fec0::1", ReasonPrivate},
		{"100.64.0.1", ReasonCGNAT},
		{"100.127.255.255", ReasonCGNAT},
		// Multicast, broadcast, reserved.
		{"224.0.0.1", ReasonMulticast},
		{"239.255.255.250", ReasonMulticast},
		{"ff02::1", ReasonMulticast},
		{"255.255.255.255", ReasonBroadcast},
		{"240.0.0.1", ReasonReserved},
		{"192.0.0.170", ReasonReserved},
		{"198.18.0.1", ReasonBenchmarking},
		{"198.19.255.255", ReasonBenchmarking},
		{"2001:2::1", ReasonBenchmarking},
		{"192.0.2.1", ReasonDocumentation},
		{"2001:db8::1", ReasonDocumentation},
		{"100::1", ReasonReserved},
		{"2001::1", ReasonReserved},
		{"::7f00:1", ReasonReserved}, // IPv4-compatible ::127.0.0.1
		{"64:ff9b:1::a00:1", ReasonPrivate},
		// IPv4-mapped forms are their IPv4 address.
		{"::ffff:127.0.0.1", ReasonLoopback},
		{"::ffff:7f00:1", ReasonLoopback},
		{"::ffff:10.0.0.1", ReasonPrivate},
		{"::ffff:169.254.169.254", ReasonMetadata},
		{"::ffff:100.100.100.200", ReasonMetadata},
		{"::ffff:0.0.0.0", ReasonUnspecified},
		{"::ffff:8.8.8.8", ""},
		// NAT64 and 6to4 with a refused IPv4 address inside.
		{"64:ff9b::7f00:1", ReasonLoopback + " via NAT64"},
		{"64:ff9b::a9fe:a9fe", ReasonMetadata + " via NAT64"},
		{"64:ff9b::a9fe:aa02", ReasonMetadata + " via NAT64"},
		{"64:ff9b::808:808", ""},
		{"2002:7f00:1::1", ReasonLoopback + " via 6to4"},
		{"2002:c0a8:101::", ReasonPrivate + " via 6to4"},
		{"2002:808:808::1", ""},
		// Public.
		{"8.8.8.8", ""},
		{"1.1.1.1", ""},
		{"100.63.255.255", ""},
		{"100.128.0.0", ""},
		{"172.32.0.1", ""},
		{"198.20.0.1", ""},
		{"2001:4860::8888", ""},
		{"2606:4700:4700::1111", ""},
	}
	for _, tt := range tests {
		t.Run(tt.addr, func(t *testing.T) {
			assert.Equal(t, tt.want, Classify(netip.MustParseAddr(tt.addr)))
		})
	}
	assert.Equal(t, ReasonInvalid, Classify(netip.Addr{}))
}

func TestPolicyAllowsNetworks(t *testing.T) {
	p := newPolicy([]Option{AllowNetworks(netip.MustParsePrefix("127.0.0.1/32"), netip.MustParsePrefix("10.1.0.0/16"))})
	assert.Empty(t, p.checkAddr(netip.MustParseAddr("127.0.0.1")))
	assert.Empty(t, p.checkAddr(netip.MustParseAddr("::ffff:127.0.0.1")))
	assert.Empty(t, p.checkAddr(netip.MustParseAddr("10.1.2.3")))
	assert.Equal(t, ReasonLoopback, p.checkAddr(netip.MustParseAddr("127.0.0.2")))
	assert.Equal(t, ReasonLoopback, p.checkAddr(netip.MustParseAddr("::1")))
	assert.Equal(t, ReasonPrivate, p.checkAddr(netip.MustParseAddr("10.2.0.1")))
}

func TestNumericHosts(t *testing.T) {
	tests := []struct {
		host    string
		numeric bool
		means   string // what inet_aton reads; "" when it reads nothing
	}{
		{"2130706433", true, "127.0.0.1"},
		{"0x7f000001", true, "127.0.0.1"},
		{"0X7F000001", true, "127.0.0.1"},
		{"0177.0.0.1", true, "127.0.0.1"},
		{"0x7f.0.0.1", true, "127.0.0.1"},
		{"127.1", true, "127.0.0.1"},
		{"127.0.1", true, "127.0.0.1"},
		{"10.1", true, "10.0.0.1"},
		{"0", true, "0.0.0.0"},
		{"0x", true, "0.0.0.0"},
		{"127.000.000.001", true, "127.0.0.1"},
		{"127.0.0.1.", true, "127.0.0.1"},
		{"3232235777", true, "192.168.1.1"},
		{"0xa9fea9fe", true, "169.254.169.254"},
		{"4294967296", true, ""}, // more than 32 bits
		{"08.0.0.1", true, ""},   // 8 is not an octal digit
		{"256.0.0.1", true, ""},
		{"1.2.3.4.5", true, ""},
		{"127.0.0.1", true, "127.0.0.1"}, // numeric, but checkHost parses dotted quads first
		{"localhost", false, ""},
		{"0x7f.example.com", false, ""},
		{"1e100.net", false, ""},
		{"example.com", false, ""},
		{"0b1", false, ""},
		{"1_000", false, ""},
		{"", false, ""},
		{".", false, ""},
		{"1..2", false, ""},
	}
	for _, tt := range tests {
		t.Run(tt.host, func(t *testing.T) {
			assert.Equal(t, tt.numeric, isNumericHost(tt.host))
			addr, ok := inetAton(tt.host)
			if tt.means == "" {
				assert.False(t, ok, addr)
				return
			}
			assert.True(t, ok)
			assert.Equal(t, tt.means, addr.String())
		})
	}
}

func TestCheckHost(t *testing.T) {
	p := newPolicy([]Option{AllowHosts("Allowed.Example.", "0x7f000001")})
	for _, host := range []string{"2130706433", "0177.0.0.1", "127.1", "0x7f.0.0.1", "127.0.0.1", "::1", "::ffff:127.0.0.1", "[::ffff:7f00:1]", "169.254.169.254", "0xa9fea9fe"} {
		assert.ErrorIs(t, p.checkHost(host, "80"), ErrRefused, host)
	}
	// Names are checked when dialled, once resolved.
	for _, host := range []string{"localhost", "example.com", "allowed.example", "0x7f000001", "8.8.8.8", "2001:4860::8888"} {
		assert.NoError(t, p.checkHost(host, "80"), host)
	}
	// A public address written as a number is refused too.
	err := p.checkHost("134744072", "80")
	assert.EqualError(t, err, "safehttp: refused to connect to 134744072:80 (numeric host not written as a dotted quad; the C library reads it as 8.8.8.8): write the address as a dotted quad, or allow the host with safehttp.AllowHosts")
}
