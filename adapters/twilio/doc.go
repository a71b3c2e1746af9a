// Package twilio puts studioflow behind a real Twilio number: net/http
// handlers for Twilio's voice and messaging webhooks, a voice service that
// answers them with TwiML, and a messaging service that sends through
// Twilio's REST API. It is built on the official helper library
// (github.com/twilio/twilio-go): its twiml package writes the TwiML, its
// client.RequestValidator checks X-Twilio-Signature, and its v2010 API
// service creates messages and outbound calls.
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
//	POST {PublicURL}/voice/dial         <Dial> action URLs (the adapter writes them)
//	POST {PublicURL}/voice/record       voicemail <Record> action URLs (the adapter writes them)
//	POST {PublicURL}/voice/enqueue      <Enqueue> action URLs (the adapter writes them)
//	POST {PublicURL}/voice/pay          <Pay> action URLs (the adapter writes them)
//	POST {PublicURL}/voice/return       where redirected TwiML returns the call to the flow
//	POST {PublicURL}/voice/answer       outbound calls' answer webhook (the adapter sets it)
//	POST {PublicURL}/messaging/incoming the number's "A message comes in" webhook
//	POST {PublicURL}/conversations/events a Conversations webhook (onMessageAdded)
//
// The number's webhooks take an optional flow query parameter
// (?flow=FW...) naming the flow; without it Config.FlowSid, and without
// that the engine's source resolves the flow by the number called
// (runtime.AddressResolver). Give the status callback the same one as the
// incoming-call webhook: the adapter finds the call's execution with it.
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
//   - gather-input-on-call: keypress, speech and timeout (the <Gather>
//     posts its action even without input, actionOnEmptyResult), with
//     Digits, SpeechResult, Confidence ... as the event's data. The
//     <Gather> listens for speech (input="dtmf speech") only when the
//     widget's speech transition is wired, as Studio's does, and a widget
//     with stop_gather false writes finishOnKey="" so that no key ends it.
//   - say-play: say, play and digits.
//   - connect-call-to: a <Dial> of the widget's noun (several <Number>s
//     for number-multi, <Client>, <Sip>, <Conference>), whose action
//     delivers callCompleted when the dialled leg ended and the caller is
//     still on the line, and hangup when the caller's call is over;
//     DialCallStatus, DialCallDuration, DialCallSid, DialBridged and
//     RecordingUrl are the data.
//   - Talkdesk's forward-to-external-number: the same <Dial>, whose
//     action delivers the forward's events: noAnswer for a busy or
//     unanswered number, invalidNumber when Twilio could not route to it
//     (DialCallStatus failed), completed otherwise and whenever the
//     caller's call is over.
//   - record-voicemail: a <Record> (timeout, maxLength, finishOnKey when
//     the widget names keys, else <Record>'s default: any key ends the
//     recording; playBeep, trim, transcribe) whose action delivers
//     recordingComplete with RecordingUrl, RecordingDuration,
//     RecordingSid and Digits, or hangup when the caller hung up while
//     recording; Twilio requests no
//     action for an empty recording and goes on to the next verb, so a
//     <Redirect> after the <Record> delivers noAudio.
//   - enqueue-call and send-to-flex on a call: an <Enqueue> into the
//     named queue (waitUrl, waitUrlMethod), or into the TaskRouter
//     workflow with a <Task> of the widget's attributes, priority and
//     timeout; its action delivers failedToEnqueue for QueueResult
//     queue-full, callFailure for system-error, and callComplete
//     otherwise (bridged, hangup, leave, error ...), as Studio's Enqueue
//     Call widget documents, with QueueResult, QueueSid, QueueTime ... as
//     the data. A caller still on the line (CallStatus in-progress: it
//     left through <Leave>, or the agent hung up first) stays with the
//     flow, whose next voice steps are the call's TwiML; a call
//     redirected out of the queue (QueueResult redirected ...) does not.
//   - make-outgoing-call: the call is created through the REST API (with
//     answering-machine detection and the widget's other options) with an
//     answer webhook and a status callback that name the execution; the
//     answer delivers answered (answeredByMachine for a machine, where the
//     widget has that event) and the flow's next voice steps are the
//     call's TwiML; a busy, unanswered, failed or canceled call delivers
//     busy, noAnswer or failed (for Talkdesk's make-outbound-call, which
//     has no failed: invalidNumber, and noAnswer for a canceled call).
//     Both wait for the run that placed the call to be saved
//     (runtime.Engine.Settled, for at most 10 seconds), since Twilio may call
//     back first. A callback for a call its execution no longer waits for
//     runs nothing (an answer is hung up).
//   - record-call: recording the live call starts through the REST API
//     (POST /Calls/{sid}/Recordings.json, with channels, trim and the
//     status callback) and stops by updating its current recording; the
//     recording's sid, status and start time are the outputs.
//   - capture-payments: the adapter's Voice is the Payments service
//     (unless the host gives one): a <Pay> (connector, chargeAmount,
//     currency, paymentMethod, tokenType, maxAttempts, timeout,
//     securityCode, postalCode, validCardTypes, language, description,
//     the connector's <Parameter>s) whose action's Result delivers
//     success, maxFailedAttempts, providerError, payInterrupted, hangup or
//     validationError; the widget keeps only the safe outcome (token,
//     masked card number ...), and the card data never reaches the
//     adapter.
//   - add-twiml-redirect: a <Redirect> to the widget's URL. The TwiML
//     there returns the call to the flow with a <Redirect> to
//     {PublicURL}/voice/return (with the number's ?flow=), which delivers
//     return with the request's parameters as the data; a call returned
//     to an execution no longer waiting for it is hung up. The execution
//     is found as the call's session: an incoming call's by its From and
//     To, an outbound call's (Direction outbound-api) by its To, the
//     contact, and From, the number the REST request started the flow
//     from; a return URL may name it instead (?execution=).
//   - A timeout that no webhook is waiting for (the call is with the
//     external TwiML of a redirect, say): the expiry pass delivers it,
//     and ExpiryWorker.OnChanged = Adapter.PushAfterExpiry(engine) hands
//     what the flow then does to the live call, updating it through the
//     REST API with the TwiML. That includes a gather whose input never
//     came back within its timeout plus widgets/twilio.GatherGrace: the
//     pushed TwiML replaces the stuck verb, so the call and the execution
//     agree again.
//   - run-function by function sid: Config.FunctionURLs maps a sid to the
//     URL the adapter POSTs the state's parameters to, signed with
//     X-Twilio-Signature (Functions); a function it does not map is left
//     to the host's services and the widget's own POST to its url.
//   - The end of the flow hangs up, and the call status callback: a
//     completed, busy, failed or no-answer call delivers hangup where the
//     wait accepts it and otherwise ends the execution; an execution that
//     is done with the call already (it took an event that ended the
//     call, such as a <Dial> action's hangup, and goes on by message) is
//     left alone. An inbound call's execution is found through the
//     engine (runtime.Engine.FindActive), not an index of the adapter's;
//     a ?flow= the engine does not know is refused (409), not taken for
//     "no execution".
//
// Handing a contact without a call to Flex (send-to-flex from a message,
// which needs Flex's Interactions API) is not served yet: it fails with an
// error wrapping ErrUnsupported, so the flow takes its failure path;
// never silently.
//
// # Security and retries
//
// Every webhook's X-Twilio-Signature is checked against Config.PublicURL
// plus the request's path and query; a request that fails gets 403 and
// runs nothing. Config.InsecureSkipSignature turns the check off, for local
// tests only. Twilio retries a webhook with the same
// I-Twilio-Idempotency-Token header: the first response to each token is
// kept in a bounded in-memory cache (Config.ReplayCacheSize) and a retry
// gets it again, byte for byte, without running anything. Several
// instances behind a load balancer give Config.ReplayStore, a store they
// share, so that a retry reaching another instance is answered from it;
// a store that fails to answer makes the webhook a 503 rather than run a
// delivery twice (Twilio retries a 5xx only where the webhook URL's
// connection overrides ask it to). A store that also claims deliveries
// (ReplayClaimer) answers a retry that arrives while the first delivery
// still runs on another instance with a 503 instead of running it too.
//
// Messages are sent through the Messages API; a reply in an execution a
// conversation's message started (widgets.Message.ConversationSid) is
// posted into the conversation through the Conversations API, as
// Config.ConversationsAuthor, whose own messages the conversations
// webhook then ignores. Each conversation is one session: its
// participants' messages start the flow or answer its wait.
//
// Messages are sent with the step's effect key as the
// I-Twilio-Idempotency-Token header, so a step that runs again after a
// crash does not send twice.
package twilio
