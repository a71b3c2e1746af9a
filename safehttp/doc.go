// Package safehttp is an HTTP client for requests whose URLs come from
// flows, such as make-http-request and run-function over HTTP: it refuses
// to reach the host's own machine and private network unless the host
// allows it.
//
// A flow's author, or anyone who can shape the values a flow renders into a
// URL, chooses where those requests go. Through a plain *http.Client they
// reach 127.0.0.1, the cloud metadata service at 169.254.169.254, the
// office network behind the host and whatever listens on localhost. The
// client from NewClient refuses, with an error wrapping ErrRefused:
//
//   - loopback (127.0.0.0/8, ::1), unspecified (0.0.0.0/8, ::) and
//     link-local addresses (169.254.0.0/16, fe80::/10);
//   - the cloud metadata and credential services: 169.254.169.254,
//     169.254.170.2 (AWS ECS), 169.254.170.23 and fd00:ec2::23 (AWS EKS Pod
//     Identity), fd00:ec2::254 (AWS over IPv6) and 100.100.100.200
//     (Alibaba Cloud), refused even for hosts AllowHosts lets through;
//   - private networks (10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16,
//     fc00::/7, the deprecated site-local fec0::/10) and carrier-grade NAT
//     (100.64.0.0/10);
//   - multicast (224.0.0.0/4, ff00::/8), broadcast (255.255.255.255) and
//     other addresses no public service uses: 240.0.0.0/4, 192.0.0.0/24,
//     benchmarking (198.18.0.0/15, 2001:2::/48), documentation (192.0.2.0/24,
//     198.51.100.0/24, 203.0.113.0/24, 2001:db8::/32), discard (100::/64),
//     IPv4-compatible IPv6 (::/96), Teredo (2001::/32) and local-use NAT64
//     (64:ff9b:1::/48);
//   - IPv6 forms of a refused IPv4 address: IPv4-mapped (::ffff:127.0.0.1,
//     ::ffff:7f00:1), NAT64 (64:ff9b::/96) and 6to4 (2002::/16) with a
//     refused address inside;
//   - hosts written as numbers other than a dotted quad: decimal
//     (2130706433), octal (0177.0.0.1), hex (0x7f000001, 0x7f.0.0.1) and
//     short forms (127.1).
//
// Numeric hosts are refused outright rather than decoded, because
// resolvers disagree about them: the C library reads 0x7f000001 as
// 127.0.0.1, Go's own resolver looks it up as a name. Whatever the guard
// decoded might not be what gets dialled, and no public service needs such
// a URL when it has a canonical one. The error still says which address the
// C library would read, so the refusal is easy to understand.
//
// The check that matters runs on the address actually dialled, at connect
// time (net.Dialer.Control), after DNS: a name that resolves to a refused
// address (localhost, anything in /etc/hosts, a DNS name rebound between
// two lookups) is refused too. Every redirect is checked again, and a
// client follows at most MaxRedirects of them. The transport never uses a
// proxy, whatever HTTP_PROXY, HTTPS_PROXY or ALL_PROXY say: a proxy would
// dial the target itself, out of the guard's sight.
//
// AllowHosts and AllowNetworks let specific hosts or networks through, such
// as an internal API the flows are meant to call, or a test server on
// 127.0.0.1. An allowed host still may not reach a cloud metadata address,
// whatever it resolves to; only AllowNetworks lets one through.
//
// A refusal's message reaches the flow (make-http-request's
// widgets.NAME.error). When the URL named a host, the message names that
// host and the kind of address refused ("host db.corp (private)"), never
// the address the name resolved to, which would map the private network
// for a flow's author; BlockedError.Addr holds it for Go callers.
//
// Hosts that build their own transport use a Dialer for its DialContext,
// and must leave the transport's Proxy nil.
package safehttp
