package safehttp_test

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/studioflow/studioflow/safehttp"
)

// No test here reaches anything but loopback servers it starts itself:
// every other address is refused before a connection is made, and the
// classifier is tested on addresses alone.

// server is a test server on addr ("127.0.0.1:0", "[::1]:0"...) that
// counts its requests; it skips the test when addr cannot be listened on.
type server struct {
	*httptest.Server
	hits atomic.Int32
	port string
}

func newServer(t *testing.T, addr string, h http.HandlerFunc) *server {
	t.Helper()
	l, err := net.Listen("tcp", addr)
	if err != nil {
		t.Skipf("cannot listen on %s: %v", addr, err)
	}
	s := &server{}
	s.Server = httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.hits.Add(1)
		h(w, r)
	}))
	s.Listener.Close()
	s.Listener = l
	s.Start()
	t.Cleanup(s.Close)
	_, s.port, _ = net.SplitHostPort(l.Addr().String())
	return s
}

func hello(w http.ResponseWriter, _ *http.Request) { _, _ = io.WriteString(w, "hello") }

// get fetches u with client and returns the body.
func get(client *http.Client, u string) (string, error) {
	resp, err := client.Get(u)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return string(b), err
}

// loopbackForms are ways to write a host that reach 127.0.0.1 (or ::1).
var loopbackForms = []string{
	"127.0.0.1",
	"localhost",
	"[::1]",
	"0x7f000001",
	"2130706433",
	"0177.0.0.1",
	"0x7f.0.0.1",
	"127.1",
	"127.0.1",
	"127.000.000.001",
	"127.0.0.1.",
	"[::ffff:127.0.0.1]",
	"[::ffff:7f00:1]",
	"[64:ff9b::7f00:1]",
	"[2002:7f00:1::1]",
	"0.0.0.0",
	"0",
}

func TestRefusesLoopbackReachedThroughNamesAndEncodings(t *testing.T) {
	srv := newServer(t, "127.0.0.1:0", hello)

	// Allowed, the server is reachable through a name and an IPv6 form:
	// the refusals below are not connection failures.
	allowed := safehttp.NewClient(safehttp.AllowNetworks(netip.MustParsePrefix("127.0.0.1/32")))
	for _, host := range []string{"127.0.0.1", "localhost", "[::ffff:127.0.0.1]"} {
		body, err := get(allowed, "http://"+host+":"+srv.port+"/")
		require.NoError(t, err, host)
		assert.Equal(t, "hello", body)
	}
	reached := srv.hits.Load()

	client := safehttp.NewClient()
	for _, host := range loopbackForms {
		t.Run(host, func(t *testing.T) {
			_, err := get(client, "http://"+host+":"+srv.port+"/")
			require.ErrorIs(t, err, safehttp.ErrRefused)
			var blocked *safehttp.BlockedError
			require.ErrorAs(t, err, &blocked)
			assert.Contains(t, []string{
				safehttp.ReasonLoopback, safehttp.ReasonUnspecified, safehttp.ReasonNumericHost,
				safehttp.ReasonLoopback + " via NAT64", safehttp.ReasonLoopback + " via 6to4",
			}, blocked.Reason)
			assert.Contains(t, err.Error(), "safehttp: refused to connect to ")
		})
	}
	assert.Equal(t, reached, srv.hits.Load(), "a refused request reached the server")
}

func TestRefusedErrorSaysWhatAndWhy(t *testing.T) {
	srv := newServer(t, "127.0.0.1:0", hello)
	client := safehttp.NewClient()

	_, err := get(client, srv.URL+"/x")
	assert.EqualError(t, err, `Get "`+srv.URL+`/x": safehttp: refused to connect to 127.0.0.1:`+srv.port+` (loopback): outbound requests may not reach the host's private network; allow it with safehttp.AllowHosts or safehttp.AllowNetworks`)

	// A name is refused once resolved. The message names the host as the
	// URL wrote it, and not the address it resolved to, which reaches Go
	// callers only, in Addr.
	for _, host := range []string{"localhost", "LOCALHOST"} {
		u := "http://" + host + ":" + srv.port + "/"
		_, err = get(client, u)
		var blocked *safehttp.BlockedError
		require.ErrorAs(t, err, &blocked, host)
		assert.Equal(t, host, blocked.Host)
		assert.Regexp(t, `^(127\.0\.0\.1|\[::1\]):`+srv.port+`$`, blocked.Addr)
		assert.Equal(t, safehttp.ReasonLoopback, blocked.Reason)
		assert.EqualError(t, err, `Get "`+u+`": safehttp: refused to connect to host `+host+` (loopback): outbound requests may not reach the host's private network; allow it with safehttp.AllowHosts or safehttp.AllowNetworks`)
		assert.NotContains(t, err.Error(), "127.0.0.1")
		assert.NotContains(t, err.Error(), "::1")
	}

	_, err = get(client, "http://0x7f000001:"+srv.port+"/")
	assert.EqualError(t, err, `Get "http://0x7f000001:`+srv.port+`/": safehttp: refused to connect to 0x7f000001:`+srv.port+` (numeric host not written as a dotted quad; the C library reads it as 127.0.0.1, loopback): write the address as a dotted quad, or allow the host with safehttp.AllowHosts`)
}

func TestRefusesIPv6Loopback(t *testing.T) {
	srv := newServer(t, "[::1]:0", hello)
	_, err := get(safehttp.NewClient(), srv.URL)
	require.ErrorIs(t, err, safehttp.ErrRefused)
	assert.Contains(t, err.Error(), "(loopback)")
	assert.Zero(t, srv.hits.Load())

	body, err := get(safehttp.NewClient(safehttp.AllowNetworks(netip.MustParsePrefix("::1/128"))), srv.URL)
	require.NoError(t, err)
	assert.Equal(t, "hello", body)
}

func TestRefusesPrivateAddressesBeforeConnecting(t *testing.T) {
	// Address literals are refused before any connection is attempted.
	client := safehttp.NewClient()
	for _, u := range []string{
		"http://169.254.169.254/latest/meta-data/",
		"http://[::ffff:169.254.169.254]/",
		"http://0xa9fea9fe/",
		"http://10.0.0.1/",
		"http://172.16.0.1:8080/",
		"http://192.168.1.1/",
		"http://100.64.0.1/",
		"https://[fd00::1]/",
		"http://[fe80::1%25eth0]/",
		"http://224.0.0.1/",
		"http://255.255.255.255/",
	} {
		_, err := get(client, u)
		assert.ErrorIs(t, err, safehttp.ErrRefused, u)
	}
}

func TestRedirectsAreCheckedAgain(t *testing.T) {
	// B, on 127.0.0.1, is not allowed; A, on 127.0.0.2, is, and redirects
	// wherever ?to= says.
	b := newServer(t, "127.0.0.1:0", hello)
	a := newServer(t, "127.0.0.2:0", func(w http.ResponseWriter, r *http.Request) {
		if to := r.URL.Query().Get("to"); to != "" {
			http.Redirect(w, r, to, http.StatusFound)
			return
		}
		hello(w, r)
	})
	client := safehttp.NewClient(safehttp.AllowNetworks(netip.MustParsePrefix("127.0.0.2/32")))

	// A redirect within A is followed.
	body, err := get(client, a.URL+"/?to="+url.QueryEscape(a.URL+"/done"))
	require.NoError(t, err)
	assert.Equal(t, "hello", body)

	for _, host := range loopbackForms {
		t.Run(host, func(t *testing.T) {
			before := a.hits.Load()
			_, err := get(client, a.URL+"/?to="+url.QueryEscape("http://"+host+":"+b.port+"/"))
			require.ErrorIs(t, err, safehttp.ErrRefused)
			assert.Equal(t, before+1, a.hits.Load(), "A was asked once")
		})
	}
	assert.Zero(t, b.hits.Load(), "a redirect reached B")

	// Only http and https.
	_, err = get(client, a.URL+"/?to="+url.QueryEscape("ftp://127.0.0.2/x"))
	var blocked *safehttp.BlockedError
	require.ErrorAs(t, err, &blocked)
	assert.Equal(t, safehttp.ReasonScheme, blocked.Reason)
}

func TestRedirectsAreCapped(t *testing.T) {
	srv := newServer(t, "127.0.0.1:0", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/again", http.StatusFound)
	})
	client := safehttp.NewClient(safehttp.AllowNetworks(netip.MustParsePrefix("127.0.0.1/32")))
	_, err := get(client, srv.URL)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "safehttp: stopped after 10 redirects")
	assert.Equal(t, int32(safehttp.MaxRedirects+1), srv.hits.Load())
}

func TestAllowHostsIsExact(t *testing.T) {
	srv := newServer(t, "127.0.0.1:0", func(w http.ResponseWriter, r *http.Request) {
		if to := r.URL.Query().Get("to"); to != "" {
			http.Redirect(w, r, to, http.StatusFound)
			return
		}
		hello(w, r)
	})
	client := safehttp.NewClient(safehttp.AllowHosts("127.0.0.1"))
	body, err := get(client, srv.URL)
	require.NoError(t, err)
	assert.Equal(t, "hello", body)

	// The same server under another name or form is not the allowed host.
	for _, host := range []string{"localhost", "0x7f000001", "127.1", "[::ffff:127.0.0.1]"} {
		before := srv.hits.Load()
		_, err := get(client, srv.URL+"/?to="+url.QueryEscape("http://"+host+":"+srv.port+"/"))
		require.ErrorIs(t, err, safehttp.ErrRefused, host)
		assert.Equal(t, before+1, srv.hits.Load(), host)
	}

	body, err = get(safehttp.NewClient(safehttp.AllowHosts("LocalHost.")), "http://localhost:"+srv.port+"/")
	require.NoError(t, err)
	assert.Equal(t, "hello", body)
}

func TestProxyFromEnvironmentIsIgnored(t *testing.T) {
	proxy := newServer(t, "127.0.0.1:0", hello)
	for _, key := range []string{"HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy"} {
		t.Setenv(key, proxy.URL)
	}
	t.Setenv("NO_PROXY", "")
	t.Setenv("no_proxy", "")

	assert.Nil(t, safehttp.NewTransport().Proxy)
	// Through the proxy, the request would be the proxy's to dial; the
	// guard refuses it before anything is dialled.
	_, err := get(safehttp.NewClient(), "http://169.254.169.254/latest/meta-data/")
	require.ErrorIs(t, err, safehttp.ErrRefused)
	assert.Contains(t, err.Error(), "(cloud metadata)")
	assert.Zero(t, proxy.hits.Load(), "the request went to the proxy")
}

func TestDialerInAHostsOwnTransport(t *testing.T) {
	srv := newServer(t, "127.0.0.1:0", hello)
	dialer := safehttp.NewDialer()
	client := &http.Client{Transport: &http.Transport{DialContext: dialer.DialContext}}
	_, err := get(client, "http://localhost:"+srv.port+"/")
	require.ErrorIs(t, err, safehttp.ErrRefused)
	assert.Zero(t, srv.hits.Load())

	ctx := context.Background()
	for _, addr := range []string{"127.0.0.1:" + srv.port, "localhost:" + srv.port, "[::1]:" + srv.port, "2130706433:" + srv.port, "[::ffff:127.0.0.1]:" + srv.port} {
		conn, err := dialer.DialContext(ctx, "tcp", addr)
		if conn != nil {
			conn.Close()
		}
		require.ErrorIs(t, err, safehttp.ErrRefused, addr)
	}
	// Refused, the error is the *BlockedError itself, without the
	// *net.OpError whose text names the address localhost resolved to.
	_, err = dialer.DialContext(ctx, "tcp", "localhost:"+srv.port)
	var blocked *safehttp.BlockedError
	require.ErrorAs(t, err, &blocked)
	assert.Same(t, blocked, err)
	assert.EqualError(t, err, "safehttp: refused to connect to host localhost (loopback): outbound requests may not reach the host's private network; allow it with safehttp.AllowHosts or safehttp.AllowNetworks")

	_, err = dialer.DialContext(ctx, "unix", "/tmp/x.sock")
	assert.ErrorIs(t, err, safehttp.ErrRefused)
	assert.EqualError(t, err, "safehttp: refused unix /tmp/x.sock (not a tcp network)")

	conn, err := safehttp.NewDialer(safehttp.AllowNetworks(netip.MustParsePrefix("127.0.0.0/8"))).DialContext(ctx, "tcp", "localhost:"+srv.port)
	require.NoError(t, err)
	conn.Close()
}

func TestBlockedErrorWrapsErrRefused(t *testing.T) {
	err := error(&safehttp.BlockedError{Host: "metadata.internal", Addr: "169.254.169.254:80", Reason: safehttp.ReasonMetadata})
	assert.True(t, errors.Is(err, safehttp.ErrRefused))
	assert.EqualError(t, err, "safehttp: refused to connect to host metadata.internal (cloud metadata): outbound requests may not reach the cloud metadata service, even for hosts allowed with safehttp.AllowHosts; allow the address with safehttp.AllowNetworks")
}

func TestBlockedErrorHidesWhatANameResolvedTo(t *testing.T) {
	const advice = ": outbound requests may not reach the host's private network; allow it with safehttp.AllowHosts or safehttp.AllowNetworks"
	tests := []struct {
		err  safehttp.BlockedError
		want string
	}{
		// A name: the address it resolved to stays out of the message.
		{safehttp.BlockedError{Host: "db.corp", Addr: "10.20.30.40:5432", Reason: safehttp.ReasonPrivate},
			"safehttp: refused to connect to host db.corp (private)" + advice},
		{safehttp.BlockedError{Host: "v6.corp", Addr: "[fd12::7]:443", Reason: safehttp.ReasonPrivate},
			"safehttp: refused to connect to host v6.corp (private)" + advice},
		// An address literal: the address is what the URL wrote.
		{safehttp.BlockedError{Host: "10.20.30.40", Addr: "10.20.30.40:5432", Reason: safehttp.ReasonPrivate},
			"safehttp: refused to connect to 10.20.30.40:5432 (private)" + advice},
		{safehttp.BlockedError{Host: "::ffff:10.20.30.40", Addr: "10.20.30.40:5432", Reason: safehttp.ReasonPrivate},
			"safehttp: refused to connect to 10.20.30.40:5432 for host ::ffff:10.20.30.40 (private)" + advice},
		{safehttp.BlockedError{Host: "[fd12::7]", Addr: "[fd12::7]:443", Reason: safehttp.ReasonPrivate},
			"safehttp: refused to connect to [fd12::7]:443 for host [fd12::7] (private)" + advice},
		// No host known.
		{safehttp.BlockedError{Addr: "10.20.30.40:5432", Reason: safehttp.ReasonPrivate},
			"safehttp: refused to connect to 10.20.30.40:5432 (private)" + advice},
	}
	for _, tt := range tests {
		t.Run(tt.err.Host, func(t *testing.T) {
			assert.EqualError(t, &tt.err, tt.want)
		})
	}
}
