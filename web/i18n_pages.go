package web

// doorWords are the texts issue 17 added to the pages: the front page at /
// and the error pages of both doors. Key, then Danish, Swedish and English;
// init adds them to words.
var doorWords = map[string][3]string{
	"home.title":       {"Dine rettigheder over dine oplysninger", "Dina rättigheter till dina uppgifter", "Your rights over your data"},
	"home.intro":       {"Her kan du bede en myndighed om indsigt i, rettelse, sletning eller begrænsning af de oplysninger, den har om dig.", "Här kan du be en myndighet om tillgång till, rättelse, radering eller begränsning av de uppgifter den har om dig.", "Here you can ask an authority for access to, correction, erasure or restriction of the data it holds about you."},
	"home.controllers": {"Vælg myndigheden", "Välj myndigheten", "Choose the authority"},
	"home.none":        {"Der er endnu ingen myndigheder at vælge.", "Det finns ännu inga myndigheter att välja.", "There are no authorities to choose yet."},
	"home.staff":       {"For medarbejdere", "För medarbetare", "For staff"},
	"home.signin":      {"Log ind som sagsbehandler eller DPO", "Logga in som handläggare eller dataskyddsombud", "Log in as a caseworker or DPO"},
	"home.developers":  {"For udviklere", "För utvecklare", "For developers"},
	"home.api":         {"API-beskrivelsen (OpenAPI)", "API-beskrivningen (OpenAPI)", "The API description (OpenAPI)"},

	"problem.page.notfound": {"Siden findes ikke. Tjek adressen, eller start forfra.", "Sidan finns inte. Kontrollera adressen eller börja om.", "The page does not exist. Check the address, or start again."},
	"problem.method":        {"Siden kan ikke bruges sådan. Start forfra fra siden.", "Sidan kan inte användas så. Börja om från sidan.", "The page cannot be used like that. Start again from the page."},
	"problem.toolarge":      {"Det, du sendte, er for stort. Skriv kortere, og send igen.", "Det du skickade är för stort. Skriv kortare och skicka igen.", "What you sent is too large. Write less and send it again."},
	"problem.badform":       {"Formularen kunne ikke læses. Start forfra fra siden.", "Formuläret kunde inte läsas. Börja om från sidan.", "The form could not be read. Start again from the page."},
	"problem.internal":      {"Noget gik galt hos os, og intet blev ændret. Prøv igen om lidt; sker det igen, så oplys fejlnummeret:", "Något gick fel hos oss och inget ändrades. Försök igen om en stund; händer det igen, ange felnumret:", "Something went wrong on our side and nothing was changed. Try again in a moment; if it happens again, quote the error number:"},
	"problem.limited":       {"For mange forsøg fra din forbindelse. Vent et minut, og prøv igen.", "För många försök från din anslutning. Vänta en minut och försök igen.", "Too many attempts from your connection. Wait a minute and try again."},
	"problem.home":          {"Til forsiden", "Till startsidan", "To the front page"},
}

func init() {
	for key, t := range doorWords {
		for i, lang := range Languages {
			words[lang][key] = t[i]
		}
	}
}
