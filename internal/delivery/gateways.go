package delivery

import "time"

// DigitalPost is what a Danish Digital Post gateway needs to build a MeMo
// 1.1 message and send it through SF1601 (KombiPostAfsend): each field maps
// one to one. The gateway signs and forwards; rightsdesk cannot reach
// Serviceplatformen itself.
type DigitalPost struct {
	Type string `json:"type"` // "digital_post.memo"
	// MessageUUID is MeMo's messageUUID and the idempotency key.
	MessageUUID string `json:"message_uuid"`
	// MessageType is DIGITALPOST.
	MessageType string `json:"message_type"`
	// Label is the subject line the citizen sees.
	Label string `json:"label"`
	// Mandatory and LegalNotification are MeMo's flags: a decision is a
	// legal notification.
	Mandatory         bool      `json:"mandatory"`
	LegalNotification bool      `json:"legal_notification"`
	Sender            DPSender  `json:"sender"`
	Recipient         DPPerson  `json:"recipient"`
	Created           time.Time `json:"created"`
	// Channel is "automatic" (Digital Post, else paper), "digital_post"
	// or "paper".
	Channel  string     `json:"channel"`
	Case     DPCase     `json:"case"`
	Document DPDocument `json:"document"`
}

// DPSender is MeMo's Sender: the authority's CVR number.
type DPSender struct {
	IDType string `json:"id_type"` // CVR
	ID     string `json:"id"`
	Label  string `json:"label"`
}

// DPPerson is MeMo's Recipient, with what paper (fjernprint) needs.
type DPPerson struct {
	IDType  string `json:"id_type"` // CPR
	ID      string `json:"id"`
	Name    string `json:"name"`
	Address string `json:"address,omitempty"`
}

// DPCase is MeMo's ContentData/CaseID.
type DPCase struct {
	CaseID     string `json:"case_id"`
	CaseSystem string `json:"case_system"`
}

// DPDocument is MeMo's MainDocument/File.
type DPDocument struct {
	Filename       string `json:"filename"`
	EncodingFormat string `json:"encoding_format"` // application/pdf
	Language       string `json:"language"`
	Content        []byte `json:"content"` // base64 in JSON
}

// SEDigitalMail is what a Swedish digital-mail gateway needs to build a
// SecureDelivery for Mina meddelanden (Kivra, Min myndighetspost, ...).
type SEDigitalMail struct {
	Type      string       `json:"type"` // "se_digital_mail.secure_delivery"
	MessageID string       `json:"message_id"`
	Sender    SESender     `json:"sender"`
	Recipient SERecipient  `json:"recipient"`
	Subject   string       `json:"subject"`
	Language  string       `json:"language"`
	Support   SESupport    `json:"support"`
	Body      SEBody       `json:"body"`
	Files     []SEDocument `json:"attachments"`
	// PaperFallback asks the gateway to print when the person has no
	// digital mailbox.
	PaperFallback bool   `json:"paper_fallback"`
	Reference     string `json:"reference"`
}

// SESender is the authority's organisation number and name.
type SESender struct {
	OrgNumber string `json:"org_number"`
	Name      string `json:"name"`
}

// SERecipient is the person, by personnummer.
type SERecipient struct {
	Personnummer string `json:"personnummer"`
	Name         string `json:"name"`
	Address      string `json:"address,omitempty"`
}

// SESupport is where the person can ask.
type SESupport struct {
	Email string `json:"email"`
}

// SEBody is the message body.
type SEBody struct {
	ContentType string `json:"content_type"`
	Content     string `json:"content"`
}

// SEDocument is an attachment with its checksum.
type SEDocument struct {
	Filename    string `json:"filename"`
	ContentType string `json:"content_type"`
	SHA256      string `json:"checksum_sha256"`
	Content     []byte `json:"content"`
}
