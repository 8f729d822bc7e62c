package letters

import (
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/rightsdesk/rightsdesk/internal/policy"
	"github.com/rightsdesk/rightsdesk/internal/rights"
)

// fakeLookup answers Compose's questions and records them.
type fakeLookup struct {
	asked []string
}

func (f *fakeLookup) StaffAddress(recipient, lang string) (string, string, error) {
	f.asked = append(f.asked, "staff "+recipient)
	return "cw@demo.example", "en", nil
}

func (f *fakeLookup) StatusURL() (string, error) {
	f.asked = append(f.asked, "status")
	return "https://rights.example/status/tok", nil
}

func (f *fakeLookup) Package(d *Data, channel string) error {
	f.asked = append(f.asked, "package "+channel)
	d.Request.PackageURL = "https://rights.example/v1/status/tok/package"
	return nil
}

func draft(notice, right string, subj Person) Draft {
	return Draft{
		Notice: rights.NoticeInput{Key: "k", Kind: notice, Recipient: "subject", DueAt: time.Date(2026, 2, 20, 8, 0, 0, 0, time.UTC)},
		Data: Data{Language: "da", Today: day("2026-02-01"), Recipient: subj.Name, Controller: controllerDK(),
			Request: Request{Reference: "RD-2026-000042", Kind: right, ReceivedOn: day("2026-01-31"), DueOn: day("2026-02-28"), StatutoryDueOn: day("2026-03-02")}},
		ControllerLanguage: "da", PauseTimeoutDays: 30, Subject: subj, MailFrom: "Demo <noreply@demo.example>", Loc: time.UTC,
	}
}

// TestComposeSubjectChannels: a receipt goes by e-mail with the status
// link; without a digital address, on paper as a print letter; by Digital
// Post where the controller has it and the person gave a CPR number.
func TestComposeSubjectChannels(t *testing.T) {
	look := &fakeLookup{}
	c, err := Compose(Renderer{}, draft("receipt", "access", Person{Name: "Jens", Email: "jens@example.dk"}), look)
	require.NoError(t, err)
	require.Equal(t, Composed{Kind: Receipt, Audience: "subject", Channel: "email", Status: rights.LetterPending, Language: "da",
		From: "Demo <noreply@demo.example>", To: "jens@example.dk", Name: "Jens", Letter: c.Letter}, c)
	require.Contains(t, c.Letter.Text, "https://rights.example/status/tok")
	require.Equal(t, []string{"status"}, look.asked)

	c, err = Compose(Renderer{}, draft("receipt", "access", Person{Name: "Jens", Address: "Vej 1"}), &fakeLookup{})
	require.NoError(t, err)
	require.Equal(t, "print", c.Channel)
	require.Equal(t, rights.LetterPrint, c.Status)

	d := draft("reply_grant", "access", Person{Name: "Jens", Email: "jens@example.dk", NationalID: "0101901234", NationalIDKind: "cpr"})
	d.Settings.Delivery.DigitalPost = &policy.Gateway{}
	d.Notice.Facts = &rights.LetterFacts{Outcome: "grant", Assessment: "Alt udleveres."}
	look = &fakeLookup{}
	c, err = Compose(Renderer{}, d, look)
	require.NoError(t, err)
	require.Equal(t, ReplyAccess, c.Kind)
	require.Equal(t, "digital_post", c.Channel)
	require.Equal(t, "0101901234", c.To)
	require.Equal(t, []string{"package digital_post"}, look.asked)
}

// TestComposeStaffAndRecipients: a staff notice goes to the address the
// lookup gives, in its language, with no personal data of the subject; a
// recipient the data map gives no address is no letter.
func TestComposeStaffAndRecipients(t *testing.T) {
	d := draft("breach", "erasure", Person{Name: "Jens", Email: "jens@example.dk"})
	d.Notice.Recipient = "caseworkers"
	look := &fakeLookup{}
	c, err := Compose(Renderer{}, d, look)
	require.NoError(t, err)
	require.Equal(t, NoticeBreach, c.Kind)
	require.Equal(t, "staff", c.Audience)
	require.Equal(t, "cw@demo.example", c.To)
	require.Equal(t, "en", c.Language)
	require.NotContains(t, c.Letter.Text, "Jens")
	require.Equal(t, []string{"staff caseworkers"}, look.asked)

	d = draft("recipient_notice", "erasure", Person{Name: "Jens"})
	d.Notice.Recipient = "recipient:Udbetaling Danmark"
	d.Notice.Facts = &rights.LetterFacts{Step: "erased", Datasets: []string{"Sager"}}
	_, err = Compose(Renderer{}, d, &fakeLookup{})
	require.True(t, errors.Is(err, ErrNoLetter), "%v", err)

	d.Settings.Recipients = []policy.Recipient{{Name: "Udbetaling Danmark", Email: "post@udbetaling.example"}}
	c, err = Compose(Renderer{}, d, &fakeLookup{})
	require.NoError(t, err)
	require.Equal(t, "recipient", c.Audience)
	require.Equal(t, "post@udbetaling.example", c.To)

	_, err = Compose(Renderer{}, draft("love_letter", "access", Person{Name: "Jens"}), &fakeLookup{})
	require.True(t, errors.Is(err, ErrNoLetter), "%v", err)
}
