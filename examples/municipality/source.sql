-- Vestby Kommune's case system, website photos and the archive delivery
-- table, with fake citizens. Run again, it changes nothing.
CREATE SCHEMA IF NOT EXISTS esdh;
CREATE SCHEMA IF NOT EXISTS web;
CREATE SCHEMA IF NOT EXISTS arkiv;
CREATE TABLE IF NOT EXISTS esdh.sager (
  id serial PRIMARY KEY, cpr text, sagsnummer text, titel text, oprettet date, afsluttet date,
  blokeret boolean NOT NULL DEFAULT false);
-- The delivery to Vestby Stadsarkiv: the same columns, filled before deletion.
CREATE TABLE IF NOT EXISTS arkiv.afleverede_sager (LIKE esdh.sager);
CREATE TABLE IF NOT EXISTS web.fotos (
  id serial PRIMARY KEY, cpr text, email text, titel text, offentliggjort date, skjult boolean NOT NULL DEFAULT false);

INSERT INTO esdh.sager (id, cpr, sagsnummer, titel, oprettet, afsluttet) VALUES
  (1, '070761-4285', '27.12.04-G01-1-20', 'Ansøgning om hjælpemidler', current_date - 2200, current_date - 2000),
  (2, '070761-4285', '15.00.00-G01-3-24', 'Jobafklaringsforløb', current_date - 400, NULL),
  (3, '010203-1234', '27.12.04-G01-9-25', 'Ansøgning om boligindretning', current_date - 100, NULL),
  (4, '111111-1118', '00.01.00-A00-1-26', 'Henvendelse til borgerservice', current_date - 30, NULL)
ON CONFLICT (id) DO NOTHING;
INSERT INTO web.fotos (id, cpr, email, titel, offentliggjort) VALUES
  (1, '070761-4285', 'hans.hansen@example.dk', 'Indvielse af den nye legeplads', current_date - 60),
  (2, '010203-1234', 'bo.jensen@example.dk', 'Byrådsmøde', current_date - 20)
ON CONFLICT (id) DO NOTHING;
SELECT setval('esdh.sager_id_seq', 100), setval('web.fotos_id_seq', 100);
