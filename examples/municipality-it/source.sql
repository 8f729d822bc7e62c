-- The stand-in for Sydhavn Kommune's TopDesk-like case system, and the
-- device register, with fake staff users. Run again, it changes nothing.
CREATE SCHEMA IF NOT EXISTS topdesk;
CREATE TABLE IF NOT EXISTS topdesk.brugere (
  id serial PRIMARY KEY, cpr text, email text, navn text, afdeling text, konto_status text NOT NULL DEFAULT 'aktiv');
CREATE TABLE IF NOT EXISTS topdesk.udfoert (key text PRIMARY KEY, rows bigint NOT NULL);
CREATE SCHEMA IF NOT EXISTS it;
CREATE TABLE IF NOT EXISTS it.egne_enheder (
  id serial PRIMARY KEY, email text, enhed text, tilmeldt date, afmeldt boolean NOT NULL DEFAULT false);

INSERT INTO topdesk.brugere (id, cpr, email, navn, afdeling) VALUES
  (1, '070761-4285', 'ahan@sydhavn.example', 'Anna Hansen', 'Borgerservice'),
  (2, '010203-1234', 'bjen@sydhavn.example', 'Bo Jensen', 'Vej og park')
ON CONFLICT (id) DO NOTHING;
INSERT INTO it.egne_enheder (id, email, enhed, tilmeldt) VALUES
  (1, 'ahan@sydhavn.example', 'Privat telefon (Android)', current_date - 90),
  (2, 'bjen@sydhavn.example', 'Privat tablet', current_date - 10)
ON CONFLICT (id) DO NOTHING;
SELECT setval('topdesk.brugere_id_seq', 100), setval('it.egne_enheder_id_seq', 100);
