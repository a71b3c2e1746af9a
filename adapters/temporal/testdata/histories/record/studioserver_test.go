package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.temporal.io/server/temporaltest"
)

// studioserver -temporal serves a call on a Temporal server: the IVR
// example's menu, from the incoming call to the texted link, through the
// real binary.
func TestStudioserverOnTemporal(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs examples/studioserver")
	}
	ts := temporaltest.NewServer(temporaltest.WithT(t))
	dir := t.TempDir()
	bin := filepath.Join(dir, "studioserver")
	build := exec.Command("go", "build", "-o", bin, ".")
	build.Dir = "../../../../../examples/studioserver"
	build.Env = append(os.Environ(), "GOWORK=off")
	out, err := build.CombinedOutput()
	require.NoError(t, err, string(out))
	flows := filepath.Join(dir, "flows")
	require.NoError(t, os.Mkdir(flows, 0o755))
	menu, err := os.ReadFile("../../../../../examples/ivr/menu.json")
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(filepath.Join(flows, "menu.json"), menu, 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(flows, "studioflow.json"), []byte(`{"flows": {"menu": {"numbers": ["+15559870000"]}}}`), 0o644))

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := ln.Addr().String()
	ln.Close()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	srv := exec.CommandContext(ctx, bin, "-flows", flows, "-db", filepath.Join(dir, "studioflow.db"), "-addr", addr,
		"-temporal", ts.GetFrontendHostPort(), "-temporal-namespace", ts.GetDefaultNamespace(), "-insecure-skip-signature")
	stderr, err := srv.StderrPipe()
	require.NoError(t, err)
	require.NoError(t, srv.Start())
	go func() {
		s := bufio.NewScanner(stderr)
		for s.Scan() {
			t.Log(s.Text())
		}
	}()
	base := "http://" + addr
	require.Eventually(t, func() bool {
		resp, err := http.Get(base + "/healthz")
		if err == nil {
			resp.Body.Close()
		}
		return err == nil && resp.StatusCode == http.StatusOK
	}, 20*time.Second, 100*time.Millisecond)

	post := func(path string, form url.Values) string {
		t.Helper()
		resp, err := http.PostForm(base+path, form)
		require.NoError(t, err)
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		require.Equal(t, http.StatusOK, resp.StatusCode, string(body))
		return string(body)
	}
	call := url.Values{"CallSid": {"CA0001"}, "AccountSid": {"AC00000000000000000000000000000000"}, "From": {"+15551230000"}, "To": {"+15559870000"}, "CallStatus": {"ringing"}}
	twiml := post("/voice/incoming", call)
	require.Contains(t, twiml, "Thanks for calling Acme.")
	action := func(twiml string) string {
		i := strings.Index(twiml, `action="`)
		require.GreaterOrEqual(t, i, 0, twiml)
		rest := twiml[i+len(`action="`):]
		u, err := url.Parse(strings.ReplaceAll(rest[:strings.Index(rest, `"`)], "&amp;", "&"))
		require.NoError(t, err)
		return u.RequestURI()
	}
	press := url.Values{"CallSid": {"CA0001"}, "AccountSid": {"AC00000000000000000000000000000000"}, "From": {"+15551230000"}, "To": {"+15559870000"}, "CallStatus": {"in-progress"}}
	press.Set("Digits", "9")
	twiml = post(action(twiml), press)
	assert.Contains(t, twiml, "For sales press 1.", "9 repeats the menu")
	press.Set("Digits", "1")
	twiml = post(action(twiml), press)
	assert.Contains(t, twiml, "Our sales team opens at nine. Goodbye.")
	assert.Contains(t, twiml, "<Hangup")
	fmt.Fprintln(io.Discard, twiml)
}
