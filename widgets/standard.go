package widgets

// standardTypes lists the built-in widget types.
func standardTypes() []Type {
	return []Type{
		Trigger,
		SetVariables,
		SplitBasedOn,
		SayPlay,
		GatherInputOnCall,
		SendMessage,
		SendAndWaitForReply,
	}
}
