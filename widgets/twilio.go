package widgets

// twilioTypes lists the Twilio Studio widgets beyond the core set.
func twilioTypes() []Type {
	return []Type{}
}
