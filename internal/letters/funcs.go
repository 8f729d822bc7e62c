package letters

import (
	"fmt"
	"html/template"
	"strings"
	"time"
)

var months = map[string][12]string{
	"da": {"januar", "februar", "marts", "april", "maj", "juni", "juli", "august", "september", "oktober", "november", "december"},
	"sv": {"januari", "februari", "mars", "april", "maj", "juni", "juli", "augusti", "september", "oktober", "november", "december"},
	"en": {"January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"},
}

// rightNames name each right as the object of "your request for ...".
var rightNames = map[string]map[string]string{
	"da": {"access": "indsigt", "rectification": "berigtigelse", "erasure": "sletning", "restriction": "begrænsning af behandling",
		"portability": "dataportabilitet", "objection": "indsigelse", "consent_withdrawal": "tilbagetrækning af samtykke"},
	"sv": {"access": "tillgång (registerutdrag)", "rectification": "rättelse", "erasure": "radering", "restriction": "begränsning av behandling",
		"portability": "dataportabilitet", "objection": "invändning", "consent_withdrawal": "återkallelse av samtycke"},
	"en": {"access": "access", "rectification": "rectification", "erasure": "erasure", "restriction": "restriction of processing",
		"portability": "data portability", "objection": "objection", "consent_withdrawal": "withdrawal of consent"},
}

// articles give the article of each right.
var articles = map[string]string{"access": "15", "rectification": "16", "erasure": "17", "restriction": "18",
	"portability": "20", "objection": "21", "consent_withdrawal": "7(3)"}

// grounds give each refusal ground in words, with its legal reference.
var grounds = map[string]map[string]string{
	"da": {
		"15(4)":            "Oplysningerne vedrører også andre personer, og deres rettigheder og frihedsrettigheder ville blive krænket (databeskyttelsesforordningens artikel 15, stk. 4). Vi har derfor udeladt eller overstreget disse oplysninger.",
		"12(5)":            "Anmodningen er åbenbart grundløs eller overdreven (databeskyttelsesforordningens artikel 12, stk. 5).",
		"16-accurate":      "Oplysningerne er korrekte og fuldstændige (databeskyttelsesforordningens artikel 16).",
		"17(3)(a)":         "Behandlingen er nødvendig for at udøve retten til ytrings- og informationsfrihed (databeskyttelsesforordningens artikel 17, stk. 3, litra a).",
		"17(3)(b)":         "Vi er retligt forpligtet til at opbevare oplysningerne, eller de er nødvendige for at udføre en opgave i samfundets interesse eller udøve offentlig myndighed (databeskyttelsesforordningens artikel 17, stk. 3, litra b).",
		"17(3)(c)":         "Behandlingen er nødvendig af hensyn til samfundets interesse på folkesundhedsområdet (databeskyttelsesforordningens artikel 17, stk. 3, litra c).",
		"17(3)(d)":         "Oplysningerne skal bevares til arkivformål i samfundets interesse, til forskning eller statistik (databeskyttelsesforordningens artikel 17, stk. 3, litra d, og artikel 89).",
		"17(3)(e)":         "Oplysningerne er nødvendige for, at et retskrav kan fastlægges, gøres gældende eller forsvares (databeskyttelsesforordningens artikel 17, stk. 3, litra e).",
		"17(1)":            "Ingen af betingelserne for sletning i databeskyttelsesforordningens artikel 17, stk. 1, er opfyldt.",
		"18(1)":            "Ingen af betingelserne for begrænsning i databeskyttelsesforordningens artikel 18, stk. 1, er opfyldt.",
		"20(1)(a)":         "Behandlingen bygger hverken på samtykke eller på en kontrakt (databeskyttelsesforordningens artikel 20, stk. 1, litra a).",
		"20(1)(b)":         "Behandlingen foretages ikke automatisk (databeskyttelsesforordningens artikel 20, stk. 1, litra b).",
		"20(3)":            "Behandlingen er nødvendig for at udføre en opgave i samfundets interesse eller udøve offentlig myndighed, og her gælder retten til dataportabilitet ikke (databeskyttelsesforordningens artikel 20, stk. 3). Du kan i stedet få indsigt i oplysningerne.",
		"20(4)":            "Udleveringen ville krænke andres rettigheder og frihedsrettigheder (databeskyttelsesforordningens artikel 20, stk. 4).",
		"21(1)-compelling": "Vi har vægtige legitime grunde til behandlingen, som går forud for dine interesser, rettigheder og frihedsrettigheder (databeskyttelsesforordningens artikel 21, stk. 1).",
		"21(1)-claims":     "Behandlingen er nødvendig for, at et retskrav kan fastlægges, gøres gældende eller forsvares (databeskyttelsesforordningens artikel 21, stk. 1).",
		"21-scope":         "Behandlingen bygger ikke på artikel 6, stk. 1, litra e eller f, men fx på en retlig forpligtelse (artikel 6, stk. 1, litra c), og her gælder retten til indsigelse efter artikel 21 ikke.",
		"7(3)-scope":       "Behandlingen bygger ikke på dit samtykke, så der er intet samtykke at trække tilbage (databeskyttelsesforordningens artikel 7, stk. 3).",
	},
	"sv": {
		"15(4)":            "Uppgifterna rör även andra personer, och deras rättigheter och friheter skulle påverkas negativt (artikel 15.4 i dataskyddsförordningen). Vi har därför utelämnat eller maskerat de uppgifterna.",
		"12(5)":            "Begäran är uppenbart ogrundad eller orimlig (artikel 12.5 i dataskyddsförordningen).",
		"16-accurate":      "Uppgifterna är korrekta och fullständiga (artikel 16 i dataskyddsförordningen).",
		"17(3)(a)":         "Behandlingen är nödvändig för att utöva rätten till yttrande- och informationsfrihet (artikel 17.3 a i dataskyddsförordningen).",
		"17(3)(b)":         "Vi är enligt lag skyldiga att bevara uppgifterna, eller så behövs de för att utföra en uppgift av allmänt intresse eller som ett led i myndighetsutövning (artikel 17.3 b i dataskyddsförordningen).",
		"17(3)(c)":         "Behandlingen är nödvändig av skäl som rör ett viktigt allmänintresse på folkhälsoområdet (artikel 17.3 c i dataskyddsförordningen).",
		"17(3)(d)":         "Uppgifterna ska bevaras för arkivändamål av allmänt intresse, för forskning eller statistik (artikel 17.3 d och artikel 89 i dataskyddsförordningen).",
		"17(3)(e)":         "Uppgifterna behövs för att fastställa, göra gällande eller försvara rättsliga anspråk (artikel 17.3 e i dataskyddsförordningen).",
		"17(1)":            "Inget av villkoren för radering i artikel 17.1 i dataskyddsförordningen är uppfyllt.",
		"18(1)":            "Inget av villkoren för begränsning i artikel 18.1 i dataskyddsförordningen är uppfyllt.",
		"20(1)(a)":         "Behandlingen grundar sig varken på samtycke eller på avtal (artikel 20.1 a i dataskyddsförordningen).",
		"20(1)(b)":         "Behandlingen sker inte automatiserat (artikel 20.1 b i dataskyddsförordningen).",
		"20(3)":            "Behandlingen är nödvändig för att utföra en uppgift av allmänt intresse eller som ett led i myndighetsutövning, och då gäller inte rätten till dataportabilitet (artikel 20.3 i dataskyddsförordningen). Du kan i stället begära ett registerutdrag.",
		"20(4)":            "Ett utlämnande skulle påverka andras rättigheter och friheter negativt (artikel 20.4 i dataskyddsförordningen).",
		"21(1)-compelling": "Vi har tvingande berättigade skäl för behandlingen som väger tyngre än dina intressen, rättigheter och friheter (artikel 21.1 i dataskyddsförordningen).",
		"21(1)-claims":     "Behandlingen behövs för att fastställa, göra gällande eller försvara rättsliga anspråk (artikel 21.1 i dataskyddsförordningen).",
		"21-scope":         "Behandlingen grundar sig inte på artikel 6.1 e eller f utan till exempel på en rättslig förpliktelse (artikel 6.1 c), och då gäller inte rätten att invända enligt artikel 21.",
		"7(3)-scope":       "Behandlingen grundar sig inte på ditt samtycke, så det finns inget samtycke att återkalla (artikel 7.3 i dataskyddsförordningen).",
	},
	"en": {
		"15(4)":            "The data also concerns other people, whose rights and freedoms would be adversely affected (Article 15(4) GDPR). We have therefore left out or redacted that data.",
		"12(5)":            "The request is manifestly unfounded or excessive (Article 12(5) GDPR).",
		"16-accurate":      "The data is accurate and complete (Article 16 GDPR).",
		"17(3)(a)":         "The processing is necessary for exercising the right of freedom of expression and information (Article 17(3)(a) GDPR).",
		"17(3)(b)":         "We are required by law to keep the data, or it is necessary for a task carried out in the public interest or in the exercise of official authority (Article 17(3)(b) GDPR).",
		"17(3)(c)":         "The processing is necessary for reasons of public interest in the area of public health (Article 17(3)(c) GDPR).",
		"17(3)(d)":         "The data must be kept for archiving in the public interest, research or statistics (Articles 17(3)(d) and 89 GDPR).",
		"17(3)(e)":         "The data is necessary for the establishment, exercise or defence of legal claims (Article 17(3)(e) GDPR).",
		"17(1)":            "None of the grounds for erasure in Article 17(1) GDPR applies.",
		"18(1)":            "None of the grounds for restriction in Article 18(1) GDPR applies.",
		"20(1)(a)":         "The processing rests neither on consent nor on a contract (Article 20(1)(a) GDPR).",
		"20(1)(b)":         "The processing is not carried out by automated means (Article 20(1)(b) GDPR).",
		"20(3)":            "The processing is necessary for a task carried out in the public interest or in the exercise of official authority, where the right to data portability does not apply (Article 20(3) GDPR). You may ask for access to the data instead.",
		"20(4)":            "Providing the data would adversely affect the rights and freedoms of others (Article 20(4) GDPR).",
		"21(1)-compelling": "We have compelling legitimate grounds for the processing which override your interests, rights and freedoms (Article 21(1) GDPR).",
		"21(1)-claims":     "The processing is necessary for the establishment, exercise or defence of legal claims (Article 21(1) GDPR).",
		"21-scope":         "The processing does not rest on Article 6(1)(e) or (f) but, for example, on a legal obligation (Article 6(1)(c)), where the right to object under Article 21 does not apply.",
		"7(3)-scope":       "The processing does not rest on your consent, so there is no consent to withdraw (Article 7(3) GDPR).",
	},
}

var reasons = map[string]map[string]string{
	"da": {"complexity": "sagens kompleksitet", "number_of_requests": "antallet af anmodninger, vi har modtaget"},
	"sv": {"complexity": "att ärendet är komplext", "number_of_requests": "det antal begäranden vi har fått"},
	"en": {"complexity": "the complexity of the request", "number_of_requests": "the number of requests we have received"},
}

var steps = map[string]map[string]string{
	"da": {"project": "opdatering af sagsoversigten", "notify": "afsendelse af meddelelser", "reply": "afsendelse af svaret", "forward": "videresendelse til den dataansvarlige", "workflow": "sagens forløb er standset"},
	"sv": {"project": "uppdatering av ärendeöversikten", "notify": "utskick av meddelanden", "reply": "utskick av svaret", "forward": "vidarebefordran till den personuppgiftsansvarige", "workflow": "ärendets flöde har stannat"},
	"en": {"project": "updating the case overview", "notify": "sending notices", "reply": "sending the reply", "forward": "forwarding to the controller", "workflow": "the case's workflow has stopped"},
}

// basis writes a legal basis (6(1)(e)) as each language cites it.
func basis(lang, b string) string {
	var art, par, letter string
	if _, err := fmt.Sscanf(strings.NewReplacer("(", " ", ")", " ").Replace(b), "%s %s %s", &art, &par, &letter); err != nil {
		return b
	}
	switch lang {
	case "da":
		return fmt.Sprintf("artikel %s, stk. %s, litra %s", art, par, letter)
	case "sv":
		return fmt.Sprintf("artikel %s.%s %s", art, par, letter)
	}
	return "Article " + b
}

func funcs(lang string) template.FuncMap {
	return template.FuncMap{
		"date": func(t time.Time) string {
			m := months[lang][t.Month()-1]
			switch lang {
			case "da":
				return fmt.Sprintf("%d. %s %d", t.Day(), m, t.Year())
			default:
				return fmt.Sprintf("%d %s %d", t.Day(), m, t.Year())
			}
		},
		"datep": func(t *time.Time) string {
			if t == nil {
				return ""
			}
			return t.Format(time.DateOnly)
		},
		"right":   func(kind string) string { return rightNames[lang][kind] },
		"article": func(kind string) string { return articles[kind] },
		"ground": func(code string) (string, error) {
			g, ok := grounds[lang][code]
			if !ok {
				return "", fmt.Errorf("no text for ground %q in %s", code, lang)
			}
			return g, nil
		},
		"reason": func(r string) string { return reasons[lang][r] },
		"step":   func(s string) string { return steps[lang][s] },
		"basis":  func(b string) string { return basis(lang, b) },
		"join":   func(xs []string) string { return strings.Join(xs, ", ") },
		"yes":    func(b *bool) bool { return b != nil && *b },
		"abs": func(n int) int {
			if n < 0 {
				return -n
			}
			return n
		},
	}
}
