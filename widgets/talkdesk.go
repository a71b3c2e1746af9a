package widgets

// talkdeskTypes lists the Talkdesk Studio components.
func talkdeskTypes() []Type {
	return []Type{}
}
