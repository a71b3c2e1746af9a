package safehttp

import (
	"net/netip"
	"slices"
	"strconv"
	"strings"
)

// Reasons Classify gives for a refused address. BlockedError.Reason holds
// one of them, or ReasonNumericHost, ReasonScheme or ReasonNetwork.
const (
	ReasonLoopback      = "loopback"
	ReasonUnspecified   = "unspecified"
	ReasonLinkLocal     = "link-local"
	ReasonMetadata      = "cloud metadata"
	ReasonPrivate       = "private"
	ReasonCGNAT         = "carrier-grade NAT"
	ReasonMulticast     = "multicast"
	ReasonBroadcast     = "broadcast"
	ReasonReserved      = "reserved"
	ReasonBenchmarking  = "benchmarking"
	ReasonDocumentation = "documentation"
	ReasonInvalid       = "invalid address"
)

// refusedRange is a network Classify refuses, and why.
type refusedRange struct {
	prefix netip.Prefix
	reason string
}

// metadataRanges are the cloud metadata and credential services, refused
// as ReasonMetadata. Unlike the other refused ranges they stay refused for
// hosts AllowHosts lets through (see AllowHosts).
var metadataRanges = []refusedRange{
	// AWS, GCP, Azure, Oracle, DigitalOcean, OpenStack... instance metadata.
	{netip.MustParsePrefix("169.254.169.254/32"), ReasonMetadata},
	// AWS ECS task metadata and credentials.
	{netip.MustParsePrefix("169.254.170.2/32"), ReasonMetadata},
	// AWS EKS Pod Identity agent (credentials).
	{netip.MustParsePrefix("169.254.170.23/32"), ReasonMetadata},
	// Alibaba Cloud instance metadata.
	{netip.MustParsePrefix("100.100.100.200/32"), ReasonMetadata},
	// AWS instance metadata and EKS Pod Identity over IPv6.
	{netip.MustParsePrefix("fd00:ec2::254/128"), ReasonMetadata},
	{netip.MustParsePrefix("fd00:ec2::23/128"), ReasonMetadata},
}

// refusedRanges are checked in order, so a narrower range listed first
// (the metadata addresses, 255.255.255.255, ::, ::1) names the reason
// before the wider one that holds it.
var refusedRanges = slices.Concat(metadataRanges, []refusedRange{
	// IPv4.
	{netip.MustParsePrefix("0.0.0.0/8"), ReasonUnspecified},
	{netip.MustParsePrefix("127.0.0.0/8"), ReasonLoopback},
	{netip.MustParsePrefix("169.254.0.0/16"), ReasonLinkLocal},
	{netip.MustParsePrefix("10.0.0.0/8"), ReasonPrivate},
	{netip.MustParsePrefix("172.16.0.0/12"), ReasonPrivate},
	{netip.MustParsePrefix("192.168.0.0/16"), ReasonPrivate},
	{netip.MustParsePrefix("100.64.0.0/10"), ReasonCGNAT},
	{netip.MustParsePrefix("192.0.0.0/24"), ReasonReserved},
	{netip.MustParsePrefix("192.0.2.0/24"), ReasonDocumentation},
	{netip.MustParsePrefix("198.51.100.0/24"), ReasonDocumentation},
	{netip.MustParsePrefix("203.0.113.0/24"), ReasonDocumentation},
	{netip.MustParsePrefix("198.18.0.0/15"), ReasonBenchmarking},
	{netip.MustParsePrefix("224.0.0.0/4"), ReasonMulticast},
	{netip.MustParsePrefix("255.255.255.255/32"), ReasonBroadcast},
	{netip.MustParsePrefix("240.0.0.0/4"), ReasonReserved},
	// IPv6. IPv4-mapped addresses are unmapped before these are checked.
	{netip.MustParsePrefix("::/128"), ReasonUnspecified},
	{netip.MustParsePrefix("::1/128"), ReasonLoopback},
	{netip.MustParsePrefix("::/96"), ReasonReserved}, // IPv4-compatible, deprecated
	{netip.MustParsePrefix("fe80::/10"), ReasonLinkLocal},
	{netip.MustParsePrefix("fc00::/7"), ReasonPrivate},
	{netip.MustParsePrefix("fec0::/10"), ReasonPrivate},      // site-local, deprecated
	{netip.MustParsePrefix("64:ff9b:1::/48"), ReasonPrivate}, // local-use NAT64
	{netip.MustParsePrefix("100::/64"), ReasonReserved},      // discard-only
	{netip.MustParsePrefix("2001::/32"), ReasonReserved},     // Teredo
	{netip.MustParsePrefix("2001:2::/48"), ReasonBenchmarking},
	{netip.MustParsePrefix("2001:db8::/32"), ReasonDocumentation},
	{netip.MustParsePrefix("ff00::/8"), ReasonMulticast},
})

// IPv6 prefixes that carry an IPv4 address, which is checked in turn.
var (
	nat64Prefix  = netip.MustParsePrefix("64:ff9b::/96")
	sixToFourNet = netip.MustParsePrefix("2002::/16")
)

// Classify names the kind of address addr is when the guard refuses it,
// such as "loopback", "private" or "cloud metadata" (the Reason
// constants), and returns "" for a public address. The cloud metadata
// addresses are 169.254.169.254 (AWS, GCP, Azure and most others),
// 169.254.170.2 (AWS ECS task metadata), 169.254.170.23 and fd00:ec2::23
// (AWS EKS Pod Identity), fd00:ec2::254 (AWS over IPv6) and
// 100.100.100.200 (Alibaba Cloud). It looks at the address
// only: it resolves and dials nothing, and knows nothing of allow-lists.
//
// An IPv4-mapped address (::ffff:127.0.0.1) is classified as the IPv4
// address it maps; a NAT64 (64:ff9b::/96) or 6to4 (2002::/16) address is
// refused when the IPv4 address inside it is, with a reason such as
// "loopback via 6to4". A zone (fe80::1%eth0) is ignored. The zero Addr is
// refused as "invalid address".
func Classify(addr netip.Addr) string {
	if !addr.IsValid() {
		return ReasonInvalid
	}
	addr = addr.WithZone("").Unmap()
	for _, r := range refusedRanges {
		if r.prefix.Contains(addr) {
			return r.reason
		}
	}
	if nat64Prefix.Contains(addr) {
		b := addr.As16()
		if reason := Classify(netip.AddrFrom4([4]byte(b[12:16]))); reason != "" {
			return reason + " via NAT64"
		}
	}
	if sixToFourNet.Contains(addr) {
		b := addr.As16()
		if reason := Classify(netip.AddrFrom4([4]byte(b[2:6]))); reason != "" {
			return reason + " via 6to4"
		}
	}
	return ""
}

// isMetadata reports whether a reason Classify gave is ReasonMetadata,
// directly or through an IPv6 form ("cloud metadata via NAT64").
func isMetadata(reason string) bool {
	return reason == ReasonMetadata || strings.HasPrefix(reason, ReasonMetadata+" via ")
}

// isNumericHost reports whether host is made only of numbers separated by
// dots (decimal, 0-prefixed octal or 0x-prefixed hex, with an optional
// trailing dot), the forms the C library's inet_aton reads as an IPv4
// address. No DNS name is like that: a top-level domain is never all
// digits.
func isNumericHost(host string) bool {
	h := strings.TrimSuffix(host, ".")
	if h == "" {
		return false
	}
	for part := range strings.SplitSeq(h, ".") {
		if !isNumber(part) {
			return false
		}
	}
	return true
}

// isNumber reports whether s is a run of decimal digits, or 0x followed by
// hex digits.
func isNumber(s string) bool {
	digits, isDigit := s, func(c byte) bool { return '0' <= c && c <= '9' }
	if len(s) >= 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X') {
		digits = s[2:]
		isDigit = func(c byte) bool {
			return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
		}
		if digits == "" {
			return true // "0x" alone is 0 to inet_aton
		}
	}
	if digits == "" {
		return false
	}
	for i := 0; i < len(digits); i++ {
		if !isDigit(digits[i]) {
			return false
		}
	}
	return true
}

// inetAton reads host as the C library's inet_aton does: one to four
// numbers, each decimal, octal (leading 0) or hex (leading 0x), the last
// filling the bytes the others leave (127.1 is 127.0.0.1, 2130706433 is
// 127.0.0.1). It is used only to say, in an error, which address a
// refused numeric host stands for.
func inetAton(host string) (netip.Addr, bool) {
	parts := strings.Split(strings.TrimSuffix(host, "."), ".")
	if len(parts) > 4 {
		return netip.Addr{}, false
	}
	nums := make([]uint64, len(parts))
	for i, p := range parts {
		if !isNumber(p) {
			return netip.Addr{}, false
		}
		if p == "0x" || p == "0X" {
			continue
		}
		n, err := strconv.ParseUint(p, 0, 32)
		if err != nil {
			return netip.Addr{}, false
		}
		nums[i] = n
	}
	// Every number but the last is one byte; the last fills the rest.
	last := len(nums) - 1
	var v uint64
	for i := range last {
		if nums[i] > 0xff {
			return netip.Addr{}, false
		}
		v |= nums[i] << (24 - 8*i)
	}
	if nums[last] >= 1<<(32-8*last) {
		return netip.Addr{}, false
	}
	v |= nums[last]
	return netip.AddrFrom4([4]byte{byte(v >> 24), byte(v >> 16), byte(v >> 8), byte(v)}), true
}
