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
	Addr string
	// Reason is why: one of the Reason constants, such as "loopback",
	// "private" or ReasonNumericHost, or what Classify says of an IPv6
	// address holding a refused IPv4 one, such as "loopback via 6to4".
	Reason string
}

// Error says what was refused and how to allow it.
func (e *BlockedError) Error() string {
	target := e.Addr
	if e.Host != "" {
		if host, _, err := net.SplitHostPort(e.Addr); err != nil || host != e.Host {
			target = fmt.Sprintf("%s for host %s", e.Addr, e.Host)
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
	return fmt.Sprintf("safehttp: refused to connect to %s (%s): outbound requests may not reach the host's private network; allow it with safehttp.AllowHosts or safehttp.AllowNetworks", target, e.Reason)
}

// Unwrap returns ErrRefused, so errors.Is(err, ErrRefused) holds.
func (e *BlockedError) Unwrap() error { return ErrRefused }

// An Option changes what the guard allows.
type Option func(*policy)

// AllowHosts lets requests to these hosts through whatever they resolve
// to. A host is matched exactly as the URL names it, without its port and
// ignoring case and a trailing dot: AllowHosts("api.internal") allows
// http://api.internal:8080/ but not http://x.api.internal/. An address
// literal ("127.0.0.1", "::1") allows the URLs that write it that way only.
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
	addr = addr.WithZone("")
	for _, n := range p.networks {
		if n.Contains(addr) || n.Contains(addr.Unmap()) {
			return ""
		}
	}
	return Classify(addr)
}

// checkHost refuses, before anything is resolved or dialled, a host that
// is not allowed and is either a numeric host not written as a dotted
// quad or an address literal the policy refuses. A host name passes: its
// addresses are checked when dialled. port is used in the error only.
func (p *policy) checkHost(host, port string) error {
	if p.allowedHost(host) {
		return nil
	}
	bare := strings.TrimSuffix(strings.TrimPrefix(host, "["), "]")
	addrPort := net.JoinHostPort(bare, port)
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
	plain   net.Dialer // for the hosts AllowHosts lets through
}

// NewDialer returns a Dialer refusing what the guard refuses, but for the
// hosts and networks the options allow.
func NewDialer(opts ...Option) *Dialer {
	d := &Dialer{policy: newPolicy(opts)}
	d.plain = net.Dialer{Timeout: DialTimeout, KeepAlive: 30 * time.Second}
	d.guarded = d.plain
	d.guarded.Control = d.control
	return d
}

// DialContext connects to address ("host:port") over network, which must
// be tcp, tcp4 or tcp6. A refused connection returns an error wrapping
// ErrRefused (a *BlockedError, possibly inside a *net.OpError).
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
	if d.policy.allowedHost(host) {
		return d.plain.DialContext(ctx, network, address)
	}
	if err := d.policy.checkHost(host, port); err != nil {
		return nil, err
	}
	conn, err := d.guarded.DialContext(ctx, network, address)
	var blocked *BlockedError
	if errors.As(err, &blocked) && blocked.Host == "" {
		blocked.Host = host
	}
	return conn, err
}

// control runs for every connection about to be made, with the address
// actually dialled.
func (d *Dialer) control(network, address string, _ syscall.RawConn) error {
	ap, err := netip.ParseAddrPort(address)
	if err != nil {
		return &BlockedError{Addr: address, Reason: ReasonInvalid}
	}
	if reason := d.policy.checkAddr(ap.Addr()); reason != "" {
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
