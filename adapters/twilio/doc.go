// Package twilio puts studioflow behind a real Twilio number: net/http
// handlers for Twilio's voice and messaging webhooks, a voice service that
// answers them with TwiML, and a messaging service that sends through
// Twilio's REST API. It is built on the official helper library
// (github.com/twilio/twilio-go): its twiml package writes the TwiML, its
// client.RequestValidator checks X-Twilio-Signature, and its v2010 API
// service creates messages.
//
// # Wiring
//
// New builds an Adapter from a Config (account, auth token, and the public
// URL at which Twilio reaches the handler, which is what signatures are
// computed against when the server sits behind a proxy). Adapter.Services
// adds its Voice and Messaging services to the host's other services for
// runtime.WithServices, and Adapter.Handler serves the webhooks for one
// engine:
//
//	POST {PublicURL}/voice/incoming     the number's "A call comes in" webhook
//	POST {PublicURL}/voice/status       the number's call status callback
//	POST {PublicURL}/voice/gather       <Gather> action URLs (the adapter writes them)
//	POST {PublicURL}/messaging/incoming the number's "A message comes in" webhook
//
// Each takes an optional flow query parameter (?flow=FW...) naming the flow
// to start; without it Config.FlowSid, and without that the engine's source
// resolves the flow by the number called (runtime.AddressResolver).
//
// # The response boundary
//
// A voice webhook runs the engine (Start for an incoming call, Resume for
// a callback) until the execution waits or ends. Whatever the flow said,
// played or gathered meanwhile was buffered by the Voice service under the
// execution's id (widgets.EffectOf on the service call's context), never
// through the request's context; the handler then drains that buffer into
// one TwiML document. A <Gather> is rendered at that point with the wait's
// token in its action URL (execution and token query parameters), so the
// callback answers exactly that wait: a late or duplicated callback is
// refused by the engine as stale. A flow that ended hangs up (<Hangup/>).
//
// # Callbacks covered
//
// gather-input-on-call (keypress, speech, timeout: the <Gather> posts its
// action even without input, actionOnEmptyResult), say-play (say, play and
// digits), the end of the flow, and the call status callback: a completed,
// busy, failed or no-answer call delivers hangup where the wait accepts it
// and otherwise ends the execution. The status callback's URL is
// configured on the number and cannot name the execution, so the adapter
// finds it by CallSid in a bounded in-memory index filled when the call
// starts (per process, until the engine can look an execution up by its
// call). The voice operations whose callbacks
// this adapter does not deliver yet (Connect, Record, Enqueue, Redirect,
// outbound Call) fail with an error wrapping ErrUnsupported, so the flow
// takes its failure path or fails with a service error; never silently.
//
// # Security and retries
//
// Every webhook's X-Twilio-Signature is checked against Config.PublicURL
// plus the request's path and query; a request that fails gets 403 and
// runs nothing. Config.InsecureSkipSignature turns the check off, for local
// tests only. Twilio retries a webhook with the same
// I-Twilio-Idempotency-Token header: the first response to each token is
// kept in a bounded in-memory cache (Config.ReplayCacheSize) and a retry
// gets it again, byte for byte, without running anything. The cache is per
// process; several instances behind a load balancer need a shared one.
//
// Messages are sent with the step's effect key as the
// I-Twilio-Idempotency-Token header, so a step that runs again after a
// crash does not send twice.
package twilio
