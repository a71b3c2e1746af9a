package safehttp_test

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/netip"

	"github.com/studioflow/studioflow/safehttp"
	"github.com/studioflow/studioflow/widgets"
)

// The client refuses the host's own machine; an allow-list lets a known
// network through.
func ExampleNewClient() {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		_, _ = io.WriteString(w, "hello")
	}))
	defer srv.Close()

	// Pass it as Services.HTTP to runtime.WithServices.
	services := &widgets.Services{HTTP: safehttp.NewClient()}
	_, err := services.HTTP.Do(must(http.NewRequest(http.MethodGet, srv.URL, nil)))
	var blocked *safehttp.BlockedError
	fmt.Println(errors.Is(err, safehttp.ErrRefused), errors.As(err, &blocked) && blocked.Reason == safehttp.ReasonLoopback)

	allowed := safehttp.NewClient(safehttp.AllowNetworks(netip.MustParsePrefix("127.0.0.1/32")))
	resp, err := allowed.Get(srv.URL)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	fmt.Println(resp.StatusCode, string(body))
	// Output:
	// true true
	// 200 hello
}

// A host that builds its own transport plugs the Dialer in, and keeps
// Proxy nil.
func ExampleNewDialer() {
	dialer := safehttp.NewDialer(safehttp.AllowHosts("api.internal.example"))
	client := &http.Client{Transport: &http.Transport{
		Proxy:             nil,
		DialContext:       dialer.DialContext,
		ForceAttemptHTTP2: true,
	}}

	_, err := client.Get("http://0x7f000001:8080/admin")
	fmt.Println(errors.Is(err, safehttp.ErrRefused))
	fmt.Println(err)
	// Output:
	// true
	// Get "http://0x7f000001:8080/admin": safehttp: refused to connect to 0x7f000001:8080 (numeric host not written as a dotted quad; the C library reads it as 127.0.0.1, loopback): write the address as a dotted quad, or allow the host with safehttp.AllowHosts
}

func ExampleClassify() {
	for _, a := range []string{"169.254.169.254", "::ffff:10.0.0.1", "100.64.0.1", "2002:7f00:1::1", "8.8.8.8"} {
		fmt.Printf("%s: %q\n", a, safehttp.Classify(netip.MustParseAddr(a)))
	}
	// Output:
	// 169.254.169.254: "cloud metadata"
	// ::ffff:10.0.0.1: "private"
	// 100.64.0.1: "carrier-grade NAT"
	// 2002:7f00:1::1: "loopback via 6to4"
	// 8.8.8.8: ""
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}
