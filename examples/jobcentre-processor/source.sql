-- Kursusvej ApS's course system, with fake participants. Run again, it
-- changes nothing.
CREATE SCHEMA IF NOT EXISTS forloeb;
CREATE TABLE IF NOT EXISTS forloeb.deltagere (
  id serial PRIMARY KEY, cpr text, navn text, email text, telefon text,
  forloeb_start date, forloeb_slut date, begraenset boolean NOT NULL DEFAULT false);
CREATE TABLE IF NOT EXISTS forloeb.psykologdokumenter (
  id serial PRIMARY KEY, cpr text, titel text, indhold text, sidste_notat date,
  begraenset boolean NOT NULL DEFAULT false);
CREATE TABLE IF NOT EXISTS forloeb.tredjepartsdokumenter (
  id serial PRIMARY KEY, cpr text, afsender text, titel text, modtaget date, forloeb_slut date,
  begraenset boolean NOT NULL DEFAULT false);
CREATE TABLE IF NOT EXISTS forloeb.udveksling (
  id serial PRIMARY KEY, cpr text, samtykke_givet date, stoppet boolean NOT NULL DEFAULT false);

INSERT INTO forloeb.deltagere (id, cpr, navn, email, telefon, forloeb_start, forloeb_slut) VALUES
  (1, '070761-4285', 'Anna Hansen', 'anna.hansen@example.dk', '+4520000001', current_date - 200, current_date - 30),
  (2, '010203-1234', 'Bo Jensen', 'bo.jensen@example.dk', '+4520000002', current_date - 20, current_date + 60)
ON CONFLICT (id) DO NOTHING;
INSERT INTO forloeb.psykologdokumenter (id, cpr, titel, indhold, sidste_notat) VALUES
  (1, '070761-4285', 'Afsluttende rapport', 'Rapport om forløbet (godkendt af deltageren)', current_date - 30),
  (2, '070761-4285', 'Notat fra et tidligere forløb', 'Gammelt notat', current_date - 2600),
  (3, '010203-1234', 'Indledende samtale', 'Notat', current_date - 10)
ON CONFLICT (id) DO NOTHING;
INSERT INTO forloeb.tredjepartsdokumenter (id, cpr, afsender, titel, modtaget, forloeb_slut) VALUES
  (1, '070761-4285', 'Egen læge', 'Lægeattest', current_date - 190, current_date - 30),
  (2, '010203-1234', 'Speciallæge', 'Speciallægeerklæring', current_date - 15, current_date + 60)
ON CONFLICT (id) DO NOTHING;
INSERT INTO forloeb.udveksling (id, cpr, samtykke_givet) VALUES
  (1, '070761-4285', current_date - 200), (2, '010203-1234', current_date - 20)
ON CONFLICT (id) DO NOTHING;
SELECT setval('forloeb.deltagere_id_seq', 100), setval('forloeb.psykologdokumenter_id_seq', 100),
  setval('forloeb.tredjepartsdokumenter_id_seq', 100), setval('forloeb.udveksling_id_seq', 100);
