package widgets

// standardTypes lists the built-in widget types.
func standardTypes() []Type {
	types := []Type{
		Trigger,
		SetVariables,
		SplitBasedOn,
		SayPlay,
		GatherInputOnCall,
		SendMessage,
		SendAndWaitForReply,
		BeginModule,
		ReturnToFlow,
		RunModule,
	}
	types = append(types, twilioTypes()...)
	return append(types, talkdeskTypes()...)
}
