package fakeagent

// SessionStats are counters of one registered session, for assertions and benchmarks.
type SessionStats struct {
	SessionID           string
	Connections         int  // websocket connections opened for the session
	TokenRejected       int  // connections refused for a wrong token
	FramesSent          int  // binary frames written, resends and duplicates included
	OutputFrames        int  // distinct output_stream_data messages sent
	Resends             int  // retransmissions of unacknowledged agent messages
	AcksReceived        int  // client acks processed
	ClientFramesDropped int  // client frames ignored because of Faults.DropAcks
	ClientResends       int  // client stream messages received again after processing
	InputWhilePaused    int  // client stream messages received while paused (a violation)
	PingsReceived       int  // websocket pings from the client
	HandshakeCompleted  bool // HandshakeComplete sent
	Encrypted           bool // KMS encryption was negotiated
	OutputBytes         int  // command output bytes sent, before encryption
	ChannelClosed       bool // channel_closed sent
	ClientCloseCode     int  // close code of the client's close frame; 0 if it sent none
}
