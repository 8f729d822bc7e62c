package web

import (
	"net/http"
	"slices"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"
	"golang.org/x/text/language"
)

// Languages are the languages of the UI; the first is the default.
var Languages = []string{"da", "sv", "en"}

var matcher = language.NewMatcher([]language.Tag{language.Danish, language.Swedish, language.English})

// langCookie remembers the visitor's choice for a year.
const langCookie = "rd_lang"

// SecureCookiesKey is set in a request's context when the site is reached
// over HTTPS: its cookies are then Secure and __Host- prefixed.
const SecureCookiesKey = "secure-cookies"

// CookieName is a cookie's name as the site sets it: __Host- prefixed over
// HTTPS, which the browser keeps to this host, path / and HTTPS.
func CookieName(c echo.Context, base string) string {
	if secure, _ := c.Get(SecureCookiesKey).(bool); secure {
		return "__Host-" + base
	}
	return base
}

// Language is the visitor's language: ?lang= (remembered in a cookie),
// else the cookie, else the browser's Accept-Language, else Danish. The
// answer says that it depends on the last two (Vary), so no cache serves
// one visitor's language to another.
func Language(c echo.Context) string {
	h := c.Response().Header()
	for _, v := range []string{"Accept-Language", "Cookie"} {
		if !slices.Contains(h.Values("Vary"), v) {
			h.Add("Vary", v)
		}
	}
	secure, _ := c.Get(SecureCookiesKey).(bool)
	name := CookieName(c, langCookie)
	if l := c.QueryParam("lang"); slices.Contains(Languages, l) {
		c.SetCookie(&http.Cookie{Name: name, Value: l, Path: "/", MaxAge: 365 * 24 * 3600,
			HttpOnly: true, Secure: secure, SameSite: http.SameSiteLaxMode})
		return l
	}
	if ck, err := c.Cookie(name); err == nil && slices.Contains(Languages, ck.Value) {
		return ck.Value
	}
	if accept := c.Request().Header.Get("Accept-Language"); accept != "" {
		tags, _, err := language.ParseAcceptLanguage(accept)
		if err == nil && len(tags) > 0 {
			_, i, conf := matcher.Match(tags...)
			if conf != language.No {
				return Languages[i]
			}
		}
	}
	return Languages[0]
}

// Words are a language's texts by key.
type Words map[string]string

var months = map[string][]string{
	"da": {"januar", "februar", "marts", "april", "maj", "juni", "juli", "august", "september", "oktober", "november", "december"},
	"sv": {"januari", "februari", "mars", "april", "maj", "juni", "juli", "augusti", "september", "oktober", "november", "december"},
	"en": {"January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"},
}

func formatDate(lang string, t time.Time) string {
	m, ok := months[lang]
	if !ok || t.IsZero() {
		return ""
	}
	day := strconv.Itoa(t.Day())
	if lang == "da" {
		day += "."
	}
	return day + " " + m[t.Month()-1] + " " + strconv.Itoa(t.Year())
}

// words holds every text of the UI, in each language. A test checks that
// every key exists in every language.
var words = map[string]Words{
	"da": {
		"request.title":              "Anmod om dine rettigheder",
		"request.intro":              "Du har ret til at vide, hvad vi har om dig, og til at få det rettet, slettet eller begrænset. Vælg, hvad du ønsker. Vi svarer inden for en måned.",
		"request.kind":               "Hvad ønsker du?",
		"request.name":               "Dit navn",
		"request.email":              "Din e-mailadresse",
		"request.email.hint":         "Vi sender svaret hertil. Har du ingen, så skriv din postadresse.",
		"request.address":            "Din postadresse (hvis du ikke har e-mail)",
		"request.cpr":                "Dit CPR-nummer (frivilligt)",
		"request.personnummer":       "Dit personnummer (frivilligt)",
		"request.national_id.hint":   "Det hjælper os med at finde dine oplysninger og sende svaret til din digitale postkasse.",
		"request.description":        "Beskriv din anmodning (frivilligt)",
		"request.description.hint":   "For eksempel hvilke oplysninger, hvilken periode, eller hvad der er forkert.",
		"request.send":               "Send anmodningen",
		"receipt.title":              "Vi har modtaget din anmodning",
		"receipt.thanks":             "Tak. Vi har modtaget din anmodning og sender dig en kvittering.",
		"receipt.follow":             "Du kan følge din anmodning her:",
		"receipt.link":               "din statusside",
		"receipt.keep":               "Gem linket: det er kun dig, der har det.",
		"explain.access":             "Få at vide, hvilke oplysninger vi har om dig, hvorfor, og hvem vi deler dem med, og få en kopi.",
		"explain.rectification":      "Få rettet oplysninger om dig, der er forkerte eller ufuldstændige.",
		"explain.erasure":            "Få slettet dine oplysninger, når vi ikke længere må eller skal have dem.",
		"explain.restriction":        "Få os til kun at opbevare dine oplysninger, mens noget bliver afklaret.",
		"explain.portability":        "Få de oplysninger, du selv har givet os, i et format en anden kan bruge.",
		"explain.objection":          "Gør indsigelse mod, at vi bruger dine oplysninger til et bestemt formål, fx markedsføring.",
		"explain.consent_withdrawal": "Træk et samtykke tilbage, du har givet os.",
		"field.kind":                 "Vælg, hvad du ønsker.",
		"field.name":                 "Skriv dit navn.",
		"field.email":                "Skriv en gyldig e-mailadresse.",
		"field.address":              "Skriv din postadresse (højst 1.000 tegn).",
		"field.contact":              "Skriv en e-mailadresse eller en postadresse, så vi kan svare dig.",
		"field.national_id":          "Tjek nummeret: det er ikke gyldigt.",
		"field.description":          "Beskrivelsen er for lang (højst 10.000 tegn).",
		"field.other":                "Noget i formularen kunne ikke tages imod. Tjek felterne.",
		"controller.unknown":         "Vi kender ikke denne organisation. Tjek linket.",
		"package.download":           "Hent dine oplysninger (ZIP)",
		"package.until":              "Kan hentes til og med",
		"error.title":                "Der er et problem",
		"form.expired":               "Formularen var udløbet, så intet blev sendt. Tjek formularen herunder, og send den igen.",
		"form.limited":               "For mange forsøg fra din forbindelse, så intet blev sendt. Vent et minut, og send formularen igen; det, du skrev, er bevaret.",
		"field.name.characters":      "Dit navn indeholder et usynligt tegn eller et formateringstegn (fx et hårdt mellemrum eller et tegn uden bredde). Skriv navnet igen med almindelige bogstaver og mellemrum.",
		"answer.title":               "Send os dit svar",
		"answer.label":               "Dit svar",
		"answer.hint":                "Skriv det, vi bad om i vores brev. Fristen for vores svar løber videre, når vi har fået det.",
		"answer.send":                "Send svar",
		"answer.invalid":             "Skriv dit svar (højst 10.000 tegn).",
		"answer.none":                "Vi venter ikke på oplysninger fra dig lige nu.",
		"withdraw.title":             "Træk din anmodning tilbage",
		"withdraw.text":              "Hvis du ikke længere ønsker et svar, kan du trække anmodningen tilbage. Du får en bekræftelse.",
		"withdraw.send":              "Træk anmodningen tilbage",
		"withdraw.none":              "Anmodningen er allerede besvaret eller afsluttet.",
		"app":                        "rightsdesk",
		"skip":                       "Gå til indholdet",
		"language":                   "Sprog",
		"status.title":               "Din anmodning",
		"status.intro":               "Her kan du følge din anmodning om dine personoplysninger.",
		"status.reference":           "Reference",
		"status.right":               "Din ret",
		"status.stage":               "Status",
		"status.received":            "Modtaget",
		"status.due":                 "Du får svar senest",
		"status.extended":            "Fristen er forlænget til",
		"status.waiting":             "Vi venter på svar fra dig. Se vores brev om, hvad vi har brug for.",
		"status.closed":              "Din anmodning er afsluttet. Du har fået vores svar.",
		"status.notfound":            "Vi kan ikke finde en anmodning med dette link. Tjek, at du har kopieret hele linket fra vores brev.",
		"right.access":               "Indsigt i dine oplysninger",
		"right.rectification":        "Berigtigelse af forkerte oplysninger",
		"right.erasure":              "Sletning af dine oplysninger",
		"right.restriction":          "Begrænsning af behandlingen",
		"right.portability":          "Dataportabilitet (få dine oplysninger med)",
		"right.objection":            "Indsigelse mod behandlingen",
		"right.consent_withdrawal":   "Tilbagetrækning af samtykke",
		"stage.received":             "Modtaget",
		"stage.identity":             "Vi bekræfter, at det er dig",
		"stage.assessment":           "Vi behandler din anmodning",
		"stage.fulfilment":           "Vi gennemfører det, du bad om",
		"stage.reply":                "Vi sender dit svar",
		"stage.closed":               "Afsluttet",
		"stage.withdrawn":            "Trukket tilbage",
		"stage.forwarded":            "Sendt videre til den dataansvarlige",

		// The package's release with a one-time code (docs/PRIVACY.md).
		"package.destroyed":                  "Pakken med dine oplysninger er slettet, fordi de oplysninger, den indeholdt, er slettet på din anmodning.",
		"package.notbylink":                  "Dine oplysninger udleveres kun med en engangskode ud over linket, og vi har ingen anden kanal til dig at sende koden med. Kontakt os med referencen, så aftaler vi, hvordan du får dem sikkert.",
		"package.code.intro":                 "For at sikre, at dine oplysninger kun kommer til dig, kræver de en engangskode ud over linket. Vi sender koden",
		"package.code.by.digital_post":       "med Digital Post",
		"package.code.by.se_digital_mail":    "til din digitale postkasse",
		"package.code.by.email":              "med e-mail til den adresse, du gav os",
		"package.code.send":                  "Send mig en kode",
		"package.code.again":                 "Send en ny kode",
		"package.code.sent":                  "Vi har sendt en kode",
		"package.code.label":                 "Engangskode",
		"package.code.hint":                  "De 8 cifre fra vores besked. Koden gælder i 15 minutter og kan bruges én gang.",
		"package.code.invalid":               "Skriv de 8 cifre fra koden.",
		"package.refused":                    "Det kunne ikke lade sig gøre. Prøv igen.",
		"package.rule.package-code-wrong":    "Koden er forkert. Tjek den, eller bed om en ny.",
		"package.rule.package-code-required": "Der er ingen gyldig kode: den er udløbet, brugt eller prøvet forkert for mange gange. Bed om en ny.",
		"package.rule.package-code-sends":    "Vi har lige sendt en kode, eller der er sendt mange i dag. Vent på den, eller prøv igen senere.",
		"package.rule.package-code-attempts": "Der er prøvet for mange forkerte koder. Af hensyn til sikkerheden kan oplysningerne først hentes igen senere.",
		"package.rule.package-not-by-link":   "Dine oplysninger udleveres ikke via et link: kontakt os med referencen.",
		"package.rule.package-destroyed":     "Pakken er slettet, fordi oplysningerne i den er slettet på din anmodning.",
	},
	"sv": {
		"request.title":              "Begär dina rättigheter",
		"request.intro":              "Du har rätt att veta vilka uppgifter vi har om dig och att få dem rättade, raderade eller begränsade. Välj vad du vill. Vi svarar inom en månad.",
		"request.kind":               "Vad vill du?",
		"request.name":               "Ditt namn",
		"request.email":              "Din e-postadress",
		"request.email.hint":         "Vi skickar svaret hit. Har du ingen, skriv din postadress.",
		"request.address":            "Din postadress (om du inte har e-post)",
		"request.cpr":                "Ditt CPR-nummer (frivilligt)",
		"request.personnummer":       "Ditt personnummer (frivilligt)",
		"request.national_id.hint":   "Det hjälper oss att hitta dina uppgifter och skicka svaret till din digitala brevlåda.",
		"request.description":        "Beskriv din begäran (frivilligt)",
		"request.description.hint":   "Till exempel vilka uppgifter, vilken period eller vad som är fel.",
		"request.send":               "Skicka begäran",
		"receipt.title":              "Vi har tagit emot din begäran",
		"receipt.thanks":             "Tack. Vi har tagit emot din begäran och skickar dig en bekräftelse.",
		"receipt.follow":             "Du kan följa din begäran här:",
		"receipt.link":               "din statussida",
		"receipt.keep":               "Spara länken: det är bara du som har den.",
		"explain.access":             "Få veta vilka uppgifter vi har om dig, varför och vem vi delar dem med, och få en kopia.",
		"explain.rectification":      "Få felaktiga eller ofullständiga uppgifter om dig rättade.",
		"explain.erasure":            "Få dina uppgifter raderade när vi inte längre får eller behöver ha dem.",
		"explain.restriction":        "Få oss att bara lagra dina uppgifter medan något utreds.",
		"explain.portability":        "Få de uppgifter du själv gett oss i ett format som någon annan kan använda.",
		"explain.objection":          "Invänd mot att vi använder dina uppgifter för ett visst ändamål, t.ex. marknadsföring.",
		"explain.consent_withdrawal": "Återkalla ett samtycke du har gett oss.",
		"field.kind":                 "Välj vad du vill.",
		"field.name":                 "Skriv ditt namn.",
		"field.email":                "Skriv en giltig e-postadress.",
		"field.address":              "Skriv din postadress (högst 1 000 tecken).",
		"field.contact":              "Skriv en e-postadress eller en postadress så att vi kan svara dig.",
		"field.national_id":          "Kontrollera numret: det är inte giltigt.",
		"field.description":          "Beskrivningen är för lång (högst 10 000 tecken).",
		"field.other":                "Något i formuläret kunde inte tas emot. Kontrollera fälten.",
		"controller.unknown":         "Vi känner inte till den här organisationen. Kontrollera länken.",
		"package.download":           "Hämta dina uppgifter (ZIP)",
		"package.until":              "Kan hämtas till och med",
		"error.title":                "Det finns ett problem",
		"form.expired":               "Formuläret hade gått ut, så inget skickades. Kontrollera formuläret nedan och skicka det igen.",
		"form.limited":               "För många försök från din anslutning, så inget skickades. Vänta en minut och skicka formuläret igen; det du skrev finns kvar.",
		"field.name.characters":      "Ditt namn innehåller ett osynligt tecken eller ett formateringstecken (t.ex. ett hårt mellanslag eller ett tecken utan bredd). Skriv namnet igen med vanliga bokstäver och mellanslag.",
		"answer.title":               "Skicka ditt svar till oss",
		"answer.label":               "Ditt svar",
		"answer.hint":                "Skriv det vi bad om i vårt brev. Tidsfristen för vårt svar löper vidare när vi har fått det.",
		"answer.send":                "Skicka svar",
		"answer.invalid":             "Skriv ditt svar (högst 10 000 tecken).",
		"answer.none":                "Vi väntar inte på uppgifter från dig just nu.",
		"withdraw.title":             "Återkalla din begäran",
		"withdraw.text":              "Om du inte längre vill ha ett svar kan du återkalla din begäran. Du får en bekräftelse.",
		"withdraw.send":              "Återkalla begäran",
		"withdraw.none":              "Begäran är redan besvarad eller avslutad.",
		"app":                        "rightsdesk",
		"skip":                       "Gå till innehållet",
		"language":                   "Språk",
		"status.title":               "Din begäran",
		"status.intro":               "Här kan du följa din begäran om dina personuppgifter.",
		"status.reference":           "Referens",
		"status.right":               "Din rättighet",
		"status.stage":               "Status",
		"status.received":            "Mottagen",
		"status.due":                 "Du får svar senast",
		"status.extended":            "Tidsfristen är förlängd till",
		"status.waiting":             "Vi väntar på svar från dig. Se vårt brev om vad vi behöver.",
		"status.closed":              "Din begäran är avslutad. Du har fått vårt svar.",
		"status.notfound":            "Vi hittar ingen begäran med den här länken. Kontrollera att du har kopierat hela länken från vårt brev.",
		"right.access":               "Tillgång till dina uppgifter",
		"right.rectification":        "Rättelse av felaktiga uppgifter",
		"right.erasure":              "Radering av dina uppgifter",
		"right.restriction":          "Begränsning av behandlingen",
		"right.portability":          "Dataportabilitet (få ut dina uppgifter)",
		"right.objection":            "Invändning mot behandlingen",
		"right.consent_withdrawal":   "Återkallelse av samtycke",
		"stage.received":             "Mottagen",
		"stage.identity":             "Vi kontrollerar att det är du",
		"stage.assessment":           "Vi handlägger din begäran",
		"stage.fulfilment":           "Vi genomför det du bad om",
		"stage.reply":                "Vi skickar ditt svar",
		"stage.closed":               "Avslutad",
		"stage.withdrawn":            "Återkallad",
		"stage.forwarded":            "Skickad vidare till den personuppgiftsansvarige",

		// The package's release with a one-time code (docs/PRIVACY.md).
		"package.destroyed":                  "Paketet med dina uppgifter är raderat, eftersom uppgifterna i det har raderats på din begäran.",
		"package.notbylink":                  "Dina uppgifter lämnas bara ut med en engångskod utöver länken, och vi har ingen annan kanal till dig att skicka koden med. Kontakta oss med referensen, så kommer vi överens om hur du får dem säkert.",
		"package.code.intro":                 "För att dina uppgifter bara ska nå dig krävs en engångskod utöver länken. Vi skickar koden",
		"package.code.by.digital_post":       "med Digital Post",
		"package.code.by.se_digital_mail":    "till din digitala brevlåda",
		"package.code.by.email":              "med e-post till adressen du gav oss",
		"package.code.send":                  "Skicka en kod till mig",
		"package.code.again":                 "Skicka en ny kod",
		"package.code.sent":                  "Vi har skickat en kod",
		"package.code.label":                 "Engångskod",
		"package.code.hint":                  "De 8 siffrorna i vårt meddelande. Koden gäller i 15 minuter och kan användas en gång.",
		"package.code.invalid":               "Skriv kodens 8 siffror.",
		"package.refused":                    "Det gick inte. Försök igen.",
		"package.rule.package-code-wrong":    "Koden är fel. Kontrollera den eller be om en ny.",
		"package.rule.package-code-required": "Det finns ingen giltig kod: den har gått ut, använts eller prövats fel för många gånger. Be om en ny.",
		"package.rule.package-code-sends":    "Vi har nyss skickat en kod, eller så har många skickats i dag. Vänta på den eller försök igen senare.",
		"package.rule.package-code-attempts": "För många felaktiga koder har prövats. Av säkerhetsskäl kan uppgifterna hämtas först senare.",
		"package.rule.package-not-by-link":   "Dina uppgifter lämnas inte ut via en länk: kontakta oss med referensen.",
		"package.rule.package-destroyed":     "Paketet är raderat, eftersom uppgifterna i det har raderats på din begäran.",
	},
	"en": {
		"request.title":              "Ask for your data protection rights",
		"request.intro":              "You have the right to know what data we hold about you, and to have it corrected, erased or restricted. Choose what you want. We answer within a month.",
		"request.kind":               "What do you want?",
		"request.name":               "Your name",
		"request.email":              "Your e-mail address",
		"request.email.hint":         "We send the answer here. If you have none, give your postal address.",
		"request.address":            "Your postal address (if you have no e-mail)",
		"request.cpr":                "Your CPR number (optional)",
		"request.personnummer":       "Your personnummer (optional)",
		"request.national_id.hint":   "It helps us find your data and send the answer to your digital mailbox.",
		"request.description":        "Describe your request (optional)",
		"request.description.hint":   "For example which data, which period, or what is wrong.",
		"request.send":               "Send the request",
		"receipt.title":              "We have your request",
		"receipt.thanks":             "Thank you. We have received your request and will send you a receipt.",
		"receipt.follow":             "You can follow your request here:",
		"receipt.link":               "your status page",
		"receipt.keep":               "Keep the link: only you have it.",
		"explain.access":             "Learn what data we hold about you, why, and who we share it with, and get a copy.",
		"explain.rectification":      "Have wrong or incomplete data about you corrected.",
		"explain.erasure":            "Have your data erased when we may or need no longer keep it.",
		"explain.restriction":        "Have us only store your data while something is being settled.",
		"explain.portability":        "Get the data you gave us in a format another service can use.",
		"explain.objection":          "Object to our use of your data for a purpose, such as marketing.",
		"explain.consent_withdrawal": "Withdraw a consent you gave us.",
		"field.kind":                 "Choose what you want.",
		"field.name":                 "Give your name.",
		"field.email":                "Give a valid e-mail address.",
		"field.address":              "Give your postal address (at most 1,000 characters).",
		"field.contact":              "Give an e-mail address or a postal address so that we can answer you.",
		"field.national_id":          "Check the number: it is not valid.",
		"field.description":          "The description is too long (at most 10,000 characters).",
		"field.other":                "Something in the form could not be accepted. Check the fields.",
		"controller.unknown":         "We do not know this organisation. Check the link.",
		"package.download":           "Download your data (ZIP)",
		"package.until":              "Available until",
		"error.title":                "There is a problem",
		"form.expired":               "The form had expired, so nothing was sent. Check the form below and send it again.",
		"form.limited":               "Too many attempts from your connection, so nothing was sent. Wait a minute and send the form again; what you wrote is kept.",
		"field.name.characters":      "Your name holds an invisible or formatting character (such as a no-break space or a zero-width character). Type it again with ordinary letters and spaces.",
		"answer.title":               "Send us your answer",
		"answer.label":               "Your answer",
		"answer.hint":                "Write what we asked for in our letter. The time for our answer runs on once we have it.",
		"answer.send":                "Send answer",
		"answer.invalid":             "Write your answer (at most 10,000 characters).",
		"answer.none":                "We are not waiting for information from you now.",
		"withdraw.title":             "Withdraw your request",
		"withdraw.text":              "If you no longer want an answer, you can withdraw your request. You will get a confirmation.",
		"withdraw.send":              "Withdraw the request",
		"withdraw.none":              "The request is already answered or closed.",
		"app":                        "rightsdesk",
		"skip":                       "Skip to content",
		"language":                   "Language",
		"status.title":               "Your request",
		"status.intro":               "Here you can follow your request about your personal data.",
		"status.reference":           "Reference",
		"status.right":               "Your right",
		"status.stage":               "Status",
		"status.received":            "Received",
		"status.due":                 "You will have our answer by",
		"status.extended":            "The deadline is extended to",
		"status.waiting":             "We are waiting for your answer. Our letter says what we need.",
		"status.closed":              "Your request is closed. You have our answer.",
		"status.notfound":            "We cannot find a request with this link. Check that you copied the whole link from our letter.",
		"right.access":               "Access to your data",
		"right.rectification":        "Correcting wrong data",
		"right.erasure":              "Erasing your data",
		"right.restriction":          "Restricting the processing",
		"right.portability":          "Data portability (taking your data with you)",
		"right.objection":            "Objecting to the processing",
		"right.consent_withdrawal":   "Withdrawing your consent",
		"stage.received":             "Received",
		"stage.identity":             "We are confirming it is you",
		"stage.assessment":           "We are considering your request",
		"stage.fulfilment":           "We are carrying out what you asked for",
		"stage.reply":                "We are sending your answer",
		"stage.closed":               "Closed",
		"stage.withdrawn":            "Withdrawn",
		"stage.forwarded":            "Forwarded to the controller",

		// The package's release with a one-time code (docs/PRIVACY.md).
		"package.destroyed":                  "The package with your data has been destroyed, because the data it held was erased at your request.",
		"package.notbylink":                  "Your data is released only with a one-time code besides the link, and we have no other channel to you to send the code by. Contact us quoting the reference, and we will agree how you receive it securely.",
		"package.code.intro":                 "To make sure your data reaches only you, it needs a one-time code besides the link. We send the code",
		"package.code.by.digital_post":       "by Digital Post",
		"package.code.by.se_digital_mail":    "to your digital mailbox",
		"package.code.by.email":              "by e-mail to the address you gave us",
		"package.code.send":                  "Send me a code",
		"package.code.again":                 "Send a new code",
		"package.code.sent":                  "We sent a code",
		"package.code.label":                 "One-time code",
		"package.code.hint":                  "The 8 digits from our message. The code is valid for 15 minutes and can be used once.",
		"package.code.invalid":               "Enter the 8 digits of the code.",
		"package.refused":                    "That did not work. Try again.",
		"package.rule.package-code-wrong":    "The code is wrong. Check it, or ask for a new one.",
		"package.rule.package-code-required": "There is no valid code: it expired, was used, or was tried wrongly too often. Ask for a new one.",
		"package.rule.package-code-sends":    "We have just sent a code, or many were sent today. Wait for it, or try again later.",
		"package.rule.package-code-attempts": "Too many wrong codes were tried. For your security, the data can be downloaded only later.",
		"package.rule.package-not-by-link":   "Your data is not released through a link: contact us quoting the reference.",
		"package.rule.package-destroyed":     "The package was destroyed, because the data it held was erased at your request.",
	},
}
