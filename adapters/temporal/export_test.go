package temporal

// PlayVoice is playVoice, for the tests: what Runner.Voice does with a
// call handed back.
var PlayVoice = playVoice
