package safehttp

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"strings"
	"syscall"
	"time"
)

// ErrRefused is wrapped by every error for a request the guard refused: a
// refused address, a numeric host, a redirect to a scheme other than http
// or https. Branch on it with errors.Is; errors.As with a *BlockedError
// gives the details.
var ErrRefused = errors.New("safehttp: refused")

// Reasons for refusals that are not about an address's range.
const (
	// ReasonNumericHost refuses a host written as a number other than a
	// dotted quad, such as 2130706433, 0x7f000001, 0177.0.0.1 or 127.1.
	ReasonNumericHost = "numeric host not written as a dotted quad"
	// ReasonScheme refuses a redirect to a scheme other than http or https.
	ReasonScheme = "not http or https"
	// ReasonNetwork refuses a dial over a network other than tcp, tcp4 or
	// tcp6 (a unix socket would bypass every address check).
	ReasonNetwork = "not a tcp network"
)

// MaxRedirects is the most redirects a client from NewClient follows for
// one request: it makes at most MaxRedirects+1 requests.
const MaxRedirects = 10

// Timeouts of the dialer, transport and client; a request's context may end
// it sooner.
const (
	// DialTimeout bounds connecting to one address.
	DialTimeout = 10 * time.Second
	// TLSHandshakeTimeout bounds the TLS handshake.
	TLSHandshakeTimeout = 10 * time.Second
	// ClientTimeout bounds a whole request from NewClient, redirects and
	// body included: the longest make-http-request allows.
	ClientTimeout = 60 * time.Second
)

// BlockedError describes a refused request. It wraps ErrRefused.
type BlockedError struct {
	// Host is the host as the request named it, such as "localhost",
	// "0x7f000001" or "127.0.0.1"; empty when unknown.
	Host string
	// Addr is what was refused: the address dialled with its port, such
	// as "127.0.0.1:8080", or the URL for a refused scheme.
	//
	// Error leaves Addr out when Host is a name rather than an address
	// literal, saying "host db.corp" instead: the error text reaches the
	// flow (make-http-request puts it in widgets.NAME.error), and the
	// address an internal name resolves to would tell a flow's author
	// about the host's private network. Go callers still find it here.
	Addr string
	// Reason is why: one of the Reason constants, such as "loopback",
	// "private" or ReasonNumericHost, or what Classify says of an IPv6
	// address holding a refused IPv4 one, such as "loopback via 6to4".
	Reason string
}

// Error says what was refused and how to allow it. When the request named
// a host name, it names that host and not the address it resolved to (see
// Addr).
func (e *BlockedError) Error() string {
	target := e.Addr
	if e.Host != "" {
		if host, _, err := net.SplitHostPort(e.Addr); err != nil || host != e.Host {
			if isAddrLiteral(e.Host) {
				target = fmt.Sprintf("%s for host %s", e.Addr, e.Host)
			} else {
				target = "host " + e.Host
			}
		}
	}
	switch e.Reason {
	case ReasonScheme, ReasonNetwork:
		return fmt.Sprintf("safehttp: refused %s (%s)", target, e.Reason)
	case ReasonNumericHost:
		reason := e.Reason
		if addr, ok := inetAton(e.Host); ok {
			reason += "; the C library reads it as " + addr.String()
			if kind := Classify(addr); kind != "" {
				reason += ", " + kind
			}
		}
		return fmt.Sprintf("safehttp: refused to connect to %s (%s): write the address as a dotted quad, or allow the host with safehttp.AllowHosts", target, reason)
	}
	if isMetadata(e.Reason) {
		return fmt.Sprintf("safehttp: refused to connect to %s (%s): outbound requests may not reach the cloud metadata service, even for hosts allowed with safehttp.AllowHosts; allow the address with safehttp.AllowNetworks", target, e.Reason)
	}
	return fmt.Sprintf("safehttp: refused to connect to %s (%s): outbound requests may not reach the host's private network; allow it with safehttp.AllowHosts or safehttp.AllowNetworks", target, e.Reason)
}

// Unwrap returns ErrRefused, so errors.Is(err, ErrRefused) holds.
func (e *BlockedError) Unwrap() error { return ErrRefused }

// isAddrLiteral reports whether host is an IP address literal, with or
// without IPv6 brackets and zone, rather than a name to resolve.
func isAddrLiteral(host string) bool {
	_, err := netip.ParseAddr(strings.TrimSuffix(strings.TrimPrefix(host, "["), "]"))
	return err == nil
}

// An Option changes what the guard allows.
type Option func(*policy)

// AllowHosts lets requests to these hosts through whatever they resolve
// to, except the cloud metadata addresses. A host is matched exactly as the
// URL names it, without its port and ignoring case and a trailing dot:
// AllowHosts("api.internal") allows http://api.internal:8080/ but not
// http://x.api.internal/. An address literal ("127.0.0.1", "::1") allows
// the URLs that write it that way only.
//
// The cloud metadata and credential services (169.254.169.254,
// 169.254.170.2, 169.254.170.23, 100.100.100.200, fd00:ec2::254,
// fd00:ec2::23, and their IPv4-mapped, NAT64 and 6to4 forms; see Classify)
// stay refused for allowed hosts, every address a host resolves to being
// checked when dialled: a flow must not reach the host's cloud credentials
// because an allowed name was bound, or rebound, to one of them. Allow
// such an address with AllowNetworks, which lets it through for every
// host.
func AllowHosts(hosts ...string) Option {
	return func(p *policy) {
		for _, h := range hosts {
			p.hosts[normalizeHost(h)] = true
		}
	}
}

// AllowNetworks lets through connections to addresses in these networks,
// however the request named them (except numeric hosts not written as
// dotted quads, which are always refused). An IPv4-mapped IPv6 address
// is matched as the IPv4 address it maps.
func AllowNetworks(networks ...netip.Prefix) Option {
	return func(p *policy) {
		for _, n := range networks {
			p.networks = append(p.networks, n.Masked())
		}
	}
}

// policy is what the options set: the hosts and networks allowed.
type policy struct {
	hosts    map[string]bool
	networks []netip.Prefix
}

func newPolicy(opts []Option) *policy {
	p := &policy{hosts: map[string]bool{}}
	for _, o := range opts {
		o(p)
	}
	return p
}

// normalizeHost lower-cases host and drops IPv6 brackets and a trailing
// dot.
func normalizeHost(host string) string {
	host = strings.TrimSuffix(strings.TrimPrefix(host, "["), "]")
	return strings.TrimSuffix(strings.ToLower(host), ".")
}

// allowedHost reports whether host is on the allow-list.
func (p *policy) allowedHost(host string) bool {
	return p.hosts[normalizeHost(host)]
}

// checkAddr returns why addr is refused, or "" when it is allowed.
func (p *policy) checkAddr(addr netip.Addr) string {
	if p.allowedNetwork(addr) {
		return ""
	}
	return Classify(addr)
}

// checkAllowedHostAddr returns why addr is refused to a host on the
// allow-list, or "" when it is allowed: only a cloud metadata address
// outside the allowed networks is refused.
func (p *policy) checkAllowedHostAddr(addr netip.Addr) string {
	if p.allowedNetwork(addr) {
		return ""
	}
	if reason := Classify(addr); isMetadata(reason) {
		return reason
	}
	return ""
}

// allowedNetwork reports whether addr, or the IPv4 address it maps, is in
// an allowed network.
func (p *policy) allowedNetwork(addr netip.Addr) bool {
	addr = addr.WithZone("")
	for _, n := range p.networks {
		if n.Contains(addr) || n.Contains(addr.Unmap()) {
			return true
		}
	}
	return false
}

// checkHost refuses, before anything is resolved or dialled, a host that
// is not allowed and is either a numeric host not written as a dotted
// quad or an address literal the policy refuses, and an allowed address
// literal that is a cloud metadata address outside the allowed networks.
// A host name passes: its addresses are checked when dialled. port is used
// in the error only.
func (p *policy) checkHost(host, port string) error {
	bare := strings.TrimSuffix(strings.TrimPrefix(host, "["), "]")
	addrPort := net.JoinHostPort(bare, port)
	if p.allowedHost(host) {
		if addr, err := netip.ParseAddr(bare); err == nil {
			if reason := p.checkAllowedHostAddr(addr); reason != "" {
				return &BlockedError{Host: bare, Addr: addrPort, Reason: reason}
			}
		}
		return nil
	}
	if addr, err := netip.ParseAddr(bare); err == nil {
		if reason := p.checkAddr(addr); reason != "" {
			return &BlockedError{Host: bare, Addr: addrPort, Reason: reason}
		}
		return nil
	}
	if isNumericHost(bare) {
		return &BlockedError{Host: bare, Addr: addrPort, Reason: ReasonNumericHost}
	}
	return nil
}

// Dialer dials TCP connections for an http.Transport, refusing addresses
// the guard refuses. It checks the host named up front (numeric hosts,
// address literals) and then every address it actually connects to,
// after DNS resolution, so a name that resolves to a refused address is
// refused too. Plug its DialContext into a transport of your own, and keep
// that transport's Proxy nil: through a proxy, the guard sees only the
// proxy's address.
type Dialer struct {
	policy  *policy
	guarded net.Dialer // checks each address it connects to
	allowed net.Dialer // for the hosts AllowHosts lets through: checks for metadata addresses only
}

// NewDialer returns a Dialer refusing what the guard refuses, but for the
// hosts and networks the options allow.
func NewDialer(opts ...Option) *Dialer {
	d := &Dialer{policy: newPolicy(opts)}
	plain := net.Dialer{Timeout: DialTimeout, KeepAlive: 30 * time.Second}
	d.guarded, d.allowed = plain, plain
	d.guarded.Control = d.control
	d.allowed.Control = d.controlAllowed
	return d
}

// DialContext connects to address ("host:port") over network, which must
// be tcp, tcp4 or tcp6. A refused connection returns a *BlockedError,
// which wraps ErrRefused; it is never inside a *net.OpError, whose text
// would name the address a host name resolved to (see BlockedError.Addr).
func (d *Dialer) DialContext(ctx context.Context, network, address string) (net.Conn, error) {
	switch network {
	case "tcp", "tcp4", "tcp6":
	default:
		return nil, &BlockedError{Addr: network + " " + address, Reason: ReasonNetwork}
	}
	host, port, err := net.SplitHostPort(address)
	if err != nil {
		return nil, fmt.Errorf("safehttp: dial %s: %w", address, err)
	}
	if err := d.policy.checkHost(host, port); err != nil {
		return nil, err
	}
	dialer := &d.guarded
	if d.policy.allowedHost(host) {
		dialer = &d.allowed
	}
	conn, err := dialer.DialContext(ctx, network, address)
	var blocked *BlockedError
	if errors.As(err, &blocked) {
		if conn != nil {
			conn.Close()
		}
		if blocked.Host == "" {
			blocked.Host = host
		}
		// Not the *net.OpError around it: its text starts with
		// "dial tcp 10.1.2.3:5432: ", the address the host resolved to.
		return nil, blocked
	}
	return conn, err
}

// control runs for every connection about to be made to a host not on the
// allow-list, with the address actually dialled.
func (d *Dialer) control(network, address string, _ syscall.RawConn) error {
	return checkDialled(address, d.policy.checkAddr)
}

// controlAllowed runs for every connection about to be made to a host on
// the allow-list, with the address actually dialled.
func (d *Dialer) controlAllowed(network, address string, _ syscall.RawConn) error {
	return checkDialled(address, d.policy.checkAllowedHostAddr)
}

// checkDialled refuses the address ("ip:port") about to be dialled when
// check gives a reason.
func checkDialled(address string, check func(netip.Addr) string) error {
	ap, err := netip.ParseAddrPort(address)
	if err != nil {
		return &BlockedError{Addr: address, Reason: ReasonInvalid}
	}
	if reason := check(ap.Addr()); reason != "" {
		return &BlockedError{Addr: address, Reason: reason}
	}
	return nil
}

// NewTransport returns an http.Transport that dials through a Dialer with
// these options and never uses a proxy (its Proxy is nil, whatever the
// environment says). Prefer NewClient: an *http.Client of your own over
// this transport still has every address it dials checked, redirects
// included, but does not check a redirect's scheme and host up front or
// cap redirects at MaxRedirects.
func NewTransport(opts ...Option) *http.Transport {
	return newTransport(NewDialer(opts...))
}

func newTransport(d *Dialer) *http.Transport {
	return &http.Transport{
		Proxy:                 nil,
		DialContext:           d.DialContext,
		ForceAttemptHTTP2:     true,
		MaxIdleConns:          100,
		IdleConnTimeout:       90 * time.Second,
		TLSHandshakeTimeout:   TLSHandshakeTimeout,
		ExpectContinueTimeout: time.Second,
	}
}

// NewClient returns an *http.Client for requests whose URLs come from
// flows: pass it as widgets.Services.HTTP. It refuses loopback, private,
// link-local and other non-public addresses (see the package doc) unless
// the options allow them, checks every address it dials and every
// redirect, follows at most MaxRedirects, never uses a proxy from the
// environment, and gives up on a request after ClientTimeout. A refused
// request returns an error wrapping ErrRefused.
func NewClient(opts ...Option) *http.Client {
	d := NewDialer(opts...)
	return &http.Client{
		Transport:     newTransport(d),
		CheckRedirect: d.policy.checkRedirect,
		Timeout:       ClientTimeout,
	}
}

// checkRedirect refuses a redirect past MaxRedirects, to a scheme other
// than http or https, or to a host checkHost refuses. The address the
// redirect resolves to is checked when dialled.
func (p *policy) checkRedirect(req *http.Request, via []*http.Request) error {
	if len(via) > MaxRedirects {
		return fmt.Errorf("safehttp: stopped after %d redirects", MaxRedirects)
	}
	if req.URL.Scheme != "http" && req.URL.Scheme != "https" {
		return &BlockedError{Addr: req.URL.Redacted(), Reason: ReasonScheme}
	}
	port := req.URL.Port()
	if port == "" {
		port = "80"
		if req.URL.Scheme == "https" {
			port = "443"
		}
	}
	return p.checkHost(req.URL.Hostname(), port)
}
