package twilio

import (
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/studioflow/studioflow/flow"
	"github.com/studioflow/studioflow/runtime"
	"github.com/studioflow/studioflow/version"
)

// Twilio's Studio REST API v2, for an engine's executions.
//
// StudioAPI serves what scripts and Twilio's helper libraries call on
// https://studio.twilio.com/v2 to start and inspect executions, with
// Twilio's paths, JSON field names, paging and errors:
//
//	POST   /v2/Flows/{FlowSid}/Executions                      start (To, From, Parameters)
//	GET    /v2/Flows/{FlowSid}/Executions                      list, newest first (DateCreatedFrom, DateCreatedTo, status, PageSize, PageToken)
//	GET    /v2/Flows/{FlowSid}/Executions/{Sid}                fetch
//	POST   /v2/Flows/{FlowSid}/Executions/{Sid}                end (Status=ended)
//	DELETE /v2/Flows/{FlowSid}/Executions/{Sid}                delete
//	GET    /v2/Flows/{FlowSid}/Executions/{Sid}/Context        the execution's context
//	GET    /v2/Flows/{FlowSid}/Executions/{Sid}/Steps          its steps, newest first (PageSize, PageToken)
//	GET    /v2/Flows/{FlowSid}/Executions/{Sid}/Steps/{Sid}    one step
//	GET    /v2/Flows/{FlowSid}/Executions/{Sid}/Steps/{Sid}/Context  what the step's widget published
//
// Requests authenticate with HTTP Basic authentication, as Twilio's API
// does: the account sid and auth token of the adapter's Config, or one of
// its APIKeys (the key's sid and secret); anything else is a 401, and so
// is every request without a password (an adapter without an auth token
// takes only its API keys). Errors are Twilio's error body: {"code",
// "message", "more_info", "status"}. A start for a contact whose execution of the flow
// is still active is a 409 (code 20409), as Studio refuses it.
//
// A step's sid is derived from its execution and its place in the step
// log (FT and 32 hexadecimal digits), so it is the same on every instance
// and every read. Its context is what its widget published at that step
// (runtime.Execution.Published), even after the widget ran again: not a
// copy of the execution's context. A step in a module or subflow that has
// returned shows {}.

// StudioAPI returns the handler of Twilio's Studio REST API v2 for engine
// e's executions (see the paths above), and, when flows is not nil, for
// the flows of that catalog:
//
//	GET /v2/Flows                         the flows, by name (PageSize, PageToken)
//	GET /v2/Flows/{Sid}                   a flow: its latest revision, with its definition
//	GET /v2/Flows/{Sid}/Revisions         its revisions, newest first
//	GET /v2/Flows/{Sid}/Revisions/{Rev}   one revision (LatestPublished, LatestRevision too)
//	GET /v2/Flows/{Sid}/TestUsers         the contacts who reach its draft
//
// A revision's status is draft or published, as Twilio's are (an archived
// version was published); valid, errors and warnings are the findings of
// the check the catalog ran when the revision was written. The catalog is
// read as actor, whom its Authorizer must let read flows. Mount the
// handler where the API's base URL is, its paths starting with /v2.
func (a *Adapter) StudioAPI(e *runtime.Engine, flows *version.Catalog, actor version.Actor) http.Handler {
	s := &studioAPI{a: a, e: e, flows: flows, actor: actor}
	mux := http.NewServeMux()
	if flows != nil {
		mux.HandleFunc("GET /v2/Flows", s.listFlows)
		mux.HandleFunc("GET /v2/Flows/{flow}", s.fetchFlow)
		mux.HandleFunc("GET /v2/Flows/{flow}/Revisions", s.listRevisions)
		mux.HandleFunc("GET /v2/Flows/{flow}/Revisions/{revision}", s.fetchRevision)
		mux.HandleFunc("GET /v2/Flows/{flow}/TestUsers", s.testUsers)
	}
	mux.HandleFunc("POST /v2/Flows/{flow}/Executions", s.create)
	mux.HandleFunc("GET /v2/Flows/{flow}/Executions", s.list)
	mux.HandleFunc("GET /v2/Flows/{flow}/Executions/{sid}", s.fetch)
	mux.HandleFunc("POST /v2/Flows/{flow}/Executions/{sid}", s.update)
	mux.HandleFunc("DELETE /v2/Flows/{flow}/Executions/{sid}", s.delete)
	mux.HandleFunc("GET /v2/Flows/{flow}/Executions/{sid}/Context", s.context)
	mux.HandleFunc("GET /v2/Flows/{flow}/Executions/{sid}/Steps", s.steps)
	mux.HandleFunc("GET /v2/Flows/{flow}/Executions/{sid}/Steps/{step}", s.step)
	mux.HandleFunc("GET /v2/Flows/{flow}/Executions/{sid}/Steps/{step}/Context", s.stepContext)
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		writeAPIError(w, http.StatusNotFound, 20404, "The requested resource "+r.URL.Path+" was not found")
	})
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !s.authenticated(r) {
			w.Header().Set("WWW-Authenticate", `Basic realm="Twilio API"`)
			writeAPIError(w, http.StatusUnauthorized, 20003, "Authenticate")
			return
		}
		mux.ServeHTTP(w, r)
	})
}

type studioAPI struct {
	a     *Adapter
	e     *runtime.Engine
	flows *version.Catalog
	actor version.Actor
}

// authenticated checks the request's Basic credentials against the
// account sid and auth token, or an API key's sid and secret
// (Config.APIKeys), secrets in constant time. An empty password
// authenticates nothing, so an adapter without an auth token takes only
// its API keys.
func (s *studioAPI) authenticated(r *http.Request) bool {
	user, pass, ok := r.BasicAuth()
	if !ok || pass == "" {
		return false
	}
	if secret, ok := s.a.cfg.APIKeys[user]; ok {
		return subtle.ConstantTimeCompare([]byte(pass), []byte(secret)) == 1
	}
	u := subtle.ConstantTimeCompare([]byte(user), []byte(s.a.cfg.AccountSid))
	p := subtle.ConstantTimeCompare([]byte(pass), []byte(s.a.cfg.AuthToken))
	return u&p == 1
}

// apiExecution is Twilio's Execution resource.
type apiExecution struct {
	Sid                   string            `json:"sid"`
	AccountSid            string            `json:"account_sid"`
	FlowSid               string            `json:"flow_sid"`
	ContactChannelAddress string            `json:"contact_channel_address"`
	FlowVersion           int               `json:"flow_version"`
	InitiatedBy           string            `json:"initiated_by,omitempty"`
	Context               map[string]any    `json:"context"`
	Status                string            `json:"status"`
	DateCreated           string            `json:"date_created"`
	DateUpdated           string            `json:"date_updated"`
	URL                   string            `json:"url"`
	Links                 map[string]string `json:"links"`
}

// apiContext is Twilio's ExecutionContext and ExecutionStepContext.
type apiContext struct {
	AccountSid   string         `json:"account_sid"`
	Context      map[string]any `json:"context"`
	FlowSid      string         `json:"flow_sid"`
	ExecutionSid string         `json:"execution_sid"`
	StepSid      string         `json:"step_sid,omitempty"`
	URL          string         `json:"url"`
}

// apiStep is Twilio's ExecutionStep resource.
type apiStep struct {
	Sid              string            `json:"sid"`
	AccountSid       string            `json:"account_sid"`
	FlowSid          string            `json:"flow_sid"`
	ExecutionSid     string            `json:"execution_sid"`
	ParentStepSid    *string           `json:"parent_step_sid"`
	Name             string            `json:"name"`
	Context          map[string]any    `json:"context"`
	TransitionedFrom string            `json:"transitioned_from"`
	TransitionedTo   string            `json:"transitioned_to"`
	Type             string            `json:"type"`
	DateCreated      string            `json:"date_created"`
	DateUpdated      string            `json:"date_updated"`
	URL              string            `json:"url"`
	Links            map[string]string `json:"links"`
}

// apiMeta is the meta block of Twilio's list responses.
type apiMeta struct {
	Page            int     `json:"page"`
	PageSize        int     `json:"page_size"`
	FirstPageURL    string  `json:"first_page_url"`
	PreviousPageURL *string `json:"previous_page_url"`
	URL             string  `json:"url"`
	NextPageURL     *string `json:"next_page_url"`
	Key             string  `json:"key"`
}

// apiTime is Twilio's date format in API v2 JSON (ISO 8601, UTC, seconds).
func apiTime(t time.Time) string { return t.UTC().Format(time.RFC3339) }

// base is the API's base URL as the request reached it, for the URLs
// the resources carry.
func base(r *http.Request) string {
	scheme := "http"
	if r.TLS != nil || r.Header.Get("X-Forwarded-Proto") == "https" {
		scheme = "https"
	}
	return scheme + "://" + r.Host
}

func (s *studioAPI) executionURL(r *http.Request, x *runtime.Execution) string {
	return base(r) + "/v2/Flows/" + url.PathEscape(x.FlowSid) + "/Executions/" + url.PathEscape(x.ID)
}

func (s *studioAPI) execution(r *http.Request, x *runtime.Execution) apiExecution {
	u := s.executionURL(r, x)
	status := "active"
	if x.Status != runtime.StatusActive {
		status = "ended"
	}
	return apiExecution{
		Sid: x.ID, AccountSid: s.a.cfg.AccountSid, FlowSid: x.FlowSid, ContactChannelAddress: x.Contact,
		FlowVersion: x.Revision, InitiatedBy: initiatedBy(x), Context: x.Context(), Status: status, DateCreated: apiTime(x.CreatedAt), DateUpdated: apiTime(x.UpdatedAt),
		URL: u, Links: map[string]string{"steps": u + "/Steps", "execution_context": u + "/Context"},
	}
}

// initiatedBy is what started x, as the Execution resource's
// initiated_by gives it ("a Call SID if triggered by an incoming call, a
// Message SID if triggered by an incoming message"): the CallSid or
// MessageSid of its trigger (trigger.call, trigger.message,
// trigger.conversation); "" (left out) for a REST start, which has no
// request sid here.
func initiatedBy(x *runtime.Execution) string {
	if len(x.Frames) == 0 {
		return ""
	}
	key := "MessageSid"
	switch x.Trigger {
	case runtime.TriggerCall:
		key = "CallSid"
	case runtime.TriggerMessage, runtime.TriggerConversation:
	default:
		return ""
	}
	trigger, _ := x.Frames[0].Context["trigger"].(map[string]any)
	payload, _ := trigger[string(x.Trigger)].(map[string]any)
	sid, _ := payload[key].(string)
	return sid
}

// create starts an execution, as Studio's REST trigger does
// (incomingRequest): To is the contact, From the flow's address, and
// Parameters a JSON object, flow.data.
func (s *studioAPI) create(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		writeAPIError(w, http.StatusBadRequest, 20001, "the request's form does not parse: "+err.Error())
		return
	}
	to, from := r.PostForm.Get("To"), r.PostForm.Get("From")
	if to == "" || from == "" {
		writeAPIError(w, http.StatusBadRequest, 21201, "To and From are required")
		return
	}
	var params map[string]any
	if p := r.PostForm.Get("Parameters"); p != "" {
		if err := json.Unmarshal([]byte(p), &params); err != nil || params == nil {
			writeAPIError(w, http.StatusBadRequest, 20001, "Parameters must be a JSON object")
			return
		}
	}
	x, err := s.e.Start(r.Context(), runtime.StartRequest{
		FlowSid: r.PathValue("flow"), Trigger: runtime.TriggerRequest,
		Contact: to, FlowAddress: from, Parameters: params, Account: s.a.cfg.AccountSid,
	})
	var ce *runtime.ConflictError
	switch {
	case errors.As(err, &ce):
		writeAPIError(w, http.StatusConflict, 20409, "Execution "+ce.ActiveID+" is already active for this contact. End it before creating a new one")
		return
	case err != nil:
		s.engineError(w, err)
		return
	}
	writeJSON(w, http.StatusCreated, s.execution(r, x))
}

// load returns the execution the path names, in the path's flow, or
// writes the error.
func (s *studioAPI) load(w http.ResponseWriter, r *http.Request) (*runtime.Execution, bool) {
	x, err := s.e.Get(r.Context(), r.PathValue("sid"))
	if err == nil && x.FlowSid != r.PathValue("flow") {
		err = runtime.ErrNotFound
	}
	if err != nil {
		s.engineError(w, err)
		return nil, false
	}
	return x, true
}

func (s *studioAPI) fetch(w http.ResponseWriter, r *http.Request) {
	if x, ok := s.load(w, r); ok {
		writeJSON(w, http.StatusOK, s.execution(r, x))
	}
}

// update ends an execution (Status=ended), the one update Twilio allows.
func (s *studioAPI) update(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		writeAPIError(w, http.StatusBadRequest, 20001, "the request's form does not parse: "+err.Error())
		return
	}
	if st := r.PostForm.Get("Status"); st != "ended" {
		writeAPIError(w, http.StatusBadRequest, 20001, fmt.Sprintf("Status must be ended, not %q", st))
		return
	}
	if _, ok := s.load(w, r); !ok {
		return
	}
	x, err := s.e.End(r.Context(), r.PathValue("sid"), "ended through the Studio REST API")
	if errors.Is(err, runtime.ErrRefused) {
		// Ended already: Twilio answers with the execution as it is.
		x, err = s.e.Get(r.Context(), r.PathValue("sid"))
	}
	if err != nil {
		s.engineError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, s.execution(r, x))
}

// delete deletes an execution, active or not (runtime.Engine.Delete).
func (s *studioAPI) delete(w http.ResponseWriter, r *http.Request) {
	if _, ok := s.load(w, r); !ok {
		return
	}
	if err := s.e.Delete(r.Context(), r.PathValue("sid")); err != nil {
		s.engineError(w, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (s *studioAPI) context(w http.ResponseWriter, r *http.Request) {
	x, ok := s.load(w, r)
	if !ok {
		return
	}
	writeJSON(w, http.StatusOK, apiContext{
		AccountSid: s.a.cfg.AccountSid, Context: x.Context(), FlowSid: x.FlowSid, ExecutionSid: x.ID,
		URL: s.executionURL(r, x) + "/Context",
	})
}

// pageParams reads PageSize (1-1000, default 50), Page and PageToken.
func pageParams(w http.ResponseWriter, r *http.Request) (size, page int, token string, ok bool) {
	q := r.URL.Query()
	size = runtime.DefaultListLimit
	if v := q.Get("PageSize"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > runtime.MaxListLimit {
			writeAPIError(w, http.StatusBadRequest, 20001, fmt.Sprintf("PageSize must be a whole number from 1 to %d", runtime.MaxListLimit))
			return 0, 0, "", false
		}
		size = n
	}
	if v := q.Get("Page"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			writeAPIError(w, http.StatusBadRequest, 20001, "Page must be a whole number from 0")
			return 0, 0, "", false
		}
		page = n
	}
	return size, page, q.Get("PageToken"), true
}

// meta is the meta block of a page of a list at path, with the next
// page's token, "" after the last page.
func meta(r *http.Request, key string, size, page int, next string, keep url.Values) apiMeta {
	pageURL := func(page int, token string) string {
		q := url.Values{}
		for k, v := range keep {
			q[k] = v
		}
		q.Set("PageSize", strconv.Itoa(size))
		q.Set("Page", strconv.Itoa(page))
		if token != "" {
			q.Set("PageToken", token)
		}
		return base(r) + r.URL.Path + "?" + q.Encode()
	}
	m := apiMeta{Page: page, PageSize: size, FirstPageURL: pageURL(0, ""), URL: base(r) + r.URL.RequestURI(), Key: key}
	if next != "" {
		u := pageURL(page+1, next)
		m.NextPageURL = &u
	}
	return m
}

// list lists the flow's executions, newest first.
func (s *studioAPI) list(w http.ResponseWriter, r *http.Request) {
	size, page, token, ok := pageParams(w, r)
	if !ok {
		return
	}
	f := runtime.ListFilter{FlowSid: r.PathValue("flow"), Limit: size, Cursor: token}
	keep := url.Values{}
	for _, p := range []struct {
		name string
		dst  *time.Time
	}{{"DateCreatedFrom", &f.CreatedFrom}, {"DateCreatedTo", &f.CreatedTo}} {
		v := r.URL.Query().Get(p.name)
		if v == "" {
			continue
		}
		t, err := parseAPITime(v)
		if err != nil {
			writeAPIError(w, http.StatusBadRequest, 20001, p.name+" must be an ISO 8601 date and time, such as 2026-01-05T10:00:00Z, or a date")
			return
		}
		*p.dst = t
		keep.Set(p.name, v)
	}
	// status (twilio-go writes it so; Twilio's statuses are active and
	// ended, which is every other status here).
	switch status := r.URL.Query().Get("status"); status {
	case "":
	case "active":
		f.Status = runtime.StatusActive
		keep.Set("status", status)
	case "ended":
		f.Done = true
		keep.Set("status", status)
	default:
		writeAPIError(w, http.StatusBadRequest, 20001, fmt.Sprintf("status must be active or ended, not %q", status))
		return
	}
	xs, next, err := s.e.Store().List(r.Context(), f)
	if err != nil {
		s.engineError(w, err)
		return
	}
	views := make([]apiExecution, 0, len(xs))
	for _, x := range xs {
		if err := x.Validate(); err != nil {
			continue // a record no engine could have saved: Get reports it
		}
		views = append(views, s.execution(r, x))
	}
	writeJSON(w, http.StatusOK, map[string]any{"executions": views, "meta": meta(r, "executions", size, page, next, keep)})
}

// parseAPITime reads a date filter as Twilio's clients send it: RFC 3339
// (a "+" that arrived unencoded, as a space, too), or a date.
func parseAPITime(v string) (time.Time, error) {
	v = strings.ReplaceAll(v, " ", "+")
	if t, err := time.Parse(time.RFC3339, v); err == nil {
		return t, nil
	}
	return time.Parse(time.DateOnly, v)
}

// stepSid is the sid of step i of execution id: FT and the first 32
// hexadecimal digits of a SHA-256 of both, the same on every read.
func stepSid(id string, i int) string {
	sum := sha256.Sum256([]byte(id + "/" + strconv.Itoa(i)))
	return "FT" + hex.EncodeToString(sum[:16])
}

func (s *studioAPI) step(w http.ResponseWriter, r *http.Request) {
	x, i, ok := s.loadStep(w, r)
	if ok {
		writeJSON(w, http.StatusOK, s.apiStep(r, x, i))
	}
}

func (s *studioAPI) stepContext(w http.ResponseWriter, r *http.Request) {
	x, i, ok := s.loadStep(w, r)
	if !ok {
		return
	}
	st := s.apiStep(r, x, i)
	writeJSON(w, http.StatusOK, apiContext{
		AccountSid: s.a.cfg.AccountSid, Context: st.Context, FlowSid: x.FlowSid, ExecutionSid: x.ID,
		StepSid: st.Sid, URL: st.URL + "/Context",
	})
}

// loadStep returns the execution and the index of the step the path
// names, or writes the error.
func (s *studioAPI) loadStep(w http.ResponseWriter, r *http.Request) (*runtime.Execution, int, bool) {
	x, ok := s.load(w, r)
	if !ok {
		return nil, 0, false
	}
	want := r.PathValue("step")
	for i := range x.Steps {
		if stepSid(x.ID, i) == want {
			return x, i, true
		}
	}
	writeAPIError(w, http.StatusNotFound, 20404, "The requested resource "+r.URL.Path+" was not found")
	return nil, 0, false
}

// apiStep is step i of x as Twilio's ExecutionStep.
func (s *studioAPI) apiStep(r *http.Request, x *runtime.Execution, i int) apiStep {
	st := x.Steps[i]
	sid := stepSid(x.ID, i)
	u := s.executionURL(r, x) + "/Steps/" + sid
	t := apiTime(st.Time)
	return apiStep{
		Sid: sid, AccountSid: s.a.cfg.AccountSid, FlowSid: x.FlowSid, ExecutionSid: x.ID,
		Name: st.Name, Context: published(x, i), TransitionedFrom: st.From, TransitionedTo: st.To, Type: st.Type,
		DateCreated: t, DateUpdated: t, URL: u, Links: map[string]string{"step_context": u + "/Context"},
	}
}

// published is what the widget of step i of x published
// (runtime.Execution.Published), {} for nothing.
func published(x *runtime.Execution, i int) map[string]any {
	if out := x.Published(i); out != nil {
		return out
	}
	return map[string]any{}
}

// steps lists the execution's steps, newest first.
func (s *studioAPI) steps(w http.ResponseWriter, r *http.Request) {
	size, page, token, ok := pageParams(w, r)
	if !ok {
		return
	}
	x, ok := s.load(w, r)
	if !ok {
		return
	}
	// The token is the index, in the step log, of the newest step the
	// next page lists: steps taken meanwhile do not shift the pages.
	from := len(x.Steps) - 1
	if token != "" {
		n, err := strconv.Atoi(token)
		if err != nil || n < 0 || n >= len(x.Steps) {
			writeAPIError(w, http.StatusBadRequest, 20001, "PageToken is not one this API gave")
			return
		}
		from = n
	}
	views := make([]apiStep, 0, min(size, from+1))
	for i := from; i >= 0 && len(views) < size; i-- {
		views = append(views, s.apiStep(r, x, i))
	}
	next := ""
	if to := from - len(views); to >= 0 {
		next = strconv.Itoa(to)
	}
	writeJSON(w, http.StatusOK, map[string]any{"steps": views, "meta": meta(r, "steps", size, page, next, nil)})
}

// engineError writes an engine error as Twilio's error body.
func (s *studioAPI) engineError(w http.ResponseWriter, err error) {
	switch {
	case errors.Is(err, runtime.ErrNotFound):
		writeAPIError(w, http.StatusNotFound, 20404, "The requested resource was not found")
	case errors.Is(err, runtime.ErrRateLimited):
		writeAPIError(w, http.StatusTooManyRequests, 20429, "Too many requests: "+err.Error())
	case errors.Is(err, runtime.ErrConflict):
		writeAPIError(w, http.StatusConflict, 20409, err.Error())
	case errors.Is(err, runtime.ErrRefused):
		writeAPIError(w, http.StatusBadRequest, 20001, err.Error())
	default:
		s.a.logger.Error("adapters/twilio: Studio API", "error", err)
		writeAPIError(w, http.StatusInternalServerError, 20500, "Internal server error")
	}
}

// writeAPIError writes Twilio's error body.
func writeAPIError(w http.ResponseWriter, status, code int, msg string) {
	writeJSON(w, status, map[string]any{
		"code": code, "message": msg, "more_info": "https://www.twilio.com/docs/errors/" + strconv.Itoa(code), "status": status,
	})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	body, err := json.Marshal(v)
	if err != nil {
		status = http.StatusInternalServerError
		body = []byte(`{"code":20500,"message":"Internal server error","more_info":"https://www.twilio.com/docs/errors/20500","status":500}`)
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

// apiFlow is Twilio's Flow and FlowRevision resources.
type apiFlow struct {
	Sid           string            `json:"sid"`
	AccountSid    string            `json:"account_sid"`
	FriendlyName  string            `json:"friendly_name"`
	Definition    any               `json:"definition"`
	Status        string            `json:"status"`
	Revision      int               `json:"revision"`
	CommitMessage *string           `json:"commit_message"`
	Valid         bool              `json:"valid"`
	Errors        []flowProblem     `json:"errors"`
	Warnings      []flowProblem     `json:"warnings,omitempty"`
	DateCreated   string            `json:"date_created"`
	DateUpdated   string            `json:"date_updated"`
	WebhookURL    *string           `json:"webhook_url,omitempty"`
	URL           string            `json:"url"`
	Links         map[string]string `json:"links,omitempty"`
}

// flowProblem is a check finding as a Flow's errors and warnings carry it.
type flowProblem struct {
	Message  string `json:"message"`
	Property string `json:"property_path"`
	Code     string `json:"code"`
	State    string `json:"state,omitempty"`
}

func problems(ps flow.Problems) []flowProblem {
	out := make([]flowProblem, 0, len(ps))
	for _, p := range ps {
		out = append(out, flowProblem{Message: p.Message, Property: p.Path, Code: p.Code, State: p.State})
	}
	return out
}

// apiFlowOf is revision v of item it; revision says it is a FlowRevision
// (no links, no warnings, as Twilio's).
func (s *studioAPI) apiFlowOf(r *http.Request, it *version.Item, v *version.Version, revision bool) apiFlow {
	u := base(r) + "/v2/Flows/" + url.PathEscape(it.ID)
	status := "published"
	if v.Status == version.StatusDraft {
		status = "draft"
	}
	f := apiFlow{
		Sid: it.ID, AccountSid: s.a.cfg.AccountSid, FriendlyName: it.Name, Status: status, Revision: v.Revision,
		Valid: !v.Problems.HasErrors(), Errors: problems(v.Problems.Errors()),
		DateCreated: apiTime(it.Created), DateUpdated: apiTime(v.Saved), URL: u,
	}
	if v.Definition != nil {
		f.Definition = v.Definition
	}
	if v.Message != "" {
		msg := v.Message
		f.CommitMessage = &msg
	}
	if revision {
		f.URL = u + "/Revisions/" + strconv.Itoa(v.Revision)
		return f
	}
	f.Warnings = problems(v.Problems.Warnings())
	f.Links = map[string]string{"revisions": u + "/Revisions", "executions": u + "/Executions", "test_users": u + "/TestUsers"}
	return f
}

// latest is the item's newest version: its draft, else the published one,
// else the newest there is.
func latest(it *version.Item) *version.Version {
	if v := it.Draft(); v != nil {
		return v
	}
	if v := it.Published(); v != nil {
		return v
	}
	if n := len(it.Versions); n > 0 {
		return &it.Versions[n-1]
	}
	return nil
}

// flowItem returns the flow the path names, or writes the error.
func (s *studioAPI) flowItem(w http.ResponseWriter, r *http.Request) (*version.Item, bool) {
	it, err := s.flows.Get(r.Context(), s.actor, r.PathValue("flow"))
	if err == nil && it.Kind != version.KindFlow {
		err = version.ErrNotFound
	}
	if err != nil {
		s.catalogError(w, err)
		return nil, false
	}
	return it, true
}

func (s *studioAPI) catalogError(w http.ResponseWriter, err error) {
	var forbidden *version.ForbiddenError
	switch {
	case errors.Is(err, version.ErrNotFound):
		writeAPIError(w, http.StatusNotFound, 20404, "The requested resource was not found")
	case errors.As(err, &forbidden):
		writeAPIError(w, http.StatusForbidden, 20403, "Forbidden")
	default:
		s.a.logger.Error("adapters/twilio: Studio API: the catalog failed", "error", err)
		writeAPIError(w, http.StatusInternalServerError, 20500, "Internal server error")
	}
}

// listFlows lists the catalog's flows by name, each at its latest
// revision, without definitions (fetch one for it).
func (s *studioAPI) listFlows(w http.ResponseWriter, r *http.Request) {
	size, page, token, ok := pageParams(w, r)
	if !ok {
		return
	}
	items, err := s.flows.List(r.Context(), s.actor, version.KindFlow)
	if err != nil {
		s.catalogError(w, err)
		return
	}
	var views []apiFlow
	for _, it := range items {
		if v := latest(it); v != nil {
			views = append(views, s.apiFlowOf(r, it, v, false))
		}
	}
	writePage(w, r, "flows", views, size, page, token)
}

func (s *studioAPI) fetchFlow(w http.ResponseWriter, r *http.Request) {
	it, ok := s.flowItem(w, r)
	if !ok {
		return
	}
	v := latest(it)
	if v == nil {
		writeAPIError(w, http.StatusNotFound, 20404, "The requested resource was not found")
		return
	}
	writeJSON(w, http.StatusOK, s.apiFlowOf(r, it, v, false))
}

// listRevisions lists the flow's revisions, newest first.
func (s *studioAPI) listRevisions(w http.ResponseWriter, r *http.Request) {
	size, page, token, ok := pageParams(w, r)
	if !ok {
		return
	}
	it, ok := s.flowItem(w, r)
	if !ok {
		return
	}
	views := make([]apiFlow, 0, len(it.Versions))
	for i := len(it.Versions) - 1; i >= 0; i-- {
		views = append(views, s.apiFlowOf(r, it, &it.Versions[i], true))
	}
	writePage(w, r, "revisions", views, size, page, token)
}

// fetchRevision fetches one revision by number, or LatestPublished.
func (s *studioAPI) fetchRevision(w http.ResponseWriter, r *http.Request) {
	it, ok := s.flowItem(w, r)
	if !ok {
		return
	}
	var v *version.Version
	switch rev := r.PathValue("revision"); rev {
	case "LatestPublished":
		v = it.Published()
	case "LatestRevision":
		v = latest(it)
	default:
		n, err := strconv.Atoi(rev)
		if err != nil {
			writeAPIError(w, http.StatusBadRequest, 81021, fmt.Sprintf("Revision must be a number, LatestPublished or LatestRevision, not %q", rev))
			return
		}
		v = it.Version(n)
	}
	if v == nil {
		writeAPIError(w, http.StatusNotFound, 20404, "The requested resource was not found")
		return
	}
	writeJSON(w, http.StatusOK, s.apiFlowOf(r, it, v, true))
}

// writePage writes one page of all, a list held in memory: size of them
// from the offset PageToken gives, under key, with the meta block.
func writePage[T any](w http.ResponseWriter, r *http.Request, key string, all []T, size, page int, token string) {
	from := 0
	if token != "" {
		n, err := strconv.Atoi(token)
		if err != nil || n < 0 {
			writeAPIError(w, http.StatusBadRequest, 20001, "PageToken is not one this API gave")
			return
		}
		from = n
	}
	from = min(from, len(all))
	to := min(from+size, len(all))
	next := ""
	if to < len(all) {
		next = strconv.Itoa(to)
	}
	writeJSON(w, http.StatusOK, map[string]any{key: append(make([]T, 0, to-from), all[from:to]...), "meta": meta(r, key, size, page, next, nil)})
}

// testUsers answers Twilio's FlowTestUser resource: the contacts who
// reach the flow's draft.
func (s *studioAPI) testUsers(w http.ResponseWriter, r *http.Request) {
	it, ok := s.flowItem(w, r)
	if !ok {
		return
	}
	users := it.TestUsers
	if users == nil {
		users = []string{}
	}
	writeJSON(w, http.StatusOK, map[string]any{
		"sid": it.ID, "account_sid": s.a.cfg.AccountSid, "test_users": users,
		"url": base(r) + "/v2/Flows/" + url.PathEscape(it.ID) + "/TestUsers",
	})
}
