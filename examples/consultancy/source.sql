-- Samtalerum's office system, with fake customers. Run again, it changes
-- nothing.
CREATE SCHEMA IF NOT EXISTS kontor;
CREATE TABLE IF NOT EXISTS kontor.kunder (
  id serial PRIMARY KEY, fornavn text, telefon text, arbejdssted text, kontakt_slut date);
CREATE TABLE IF NOT EXISTS kontor.tavlefotos (
  id serial PRIMARY KEY, telefon text, fil text, taget date);
CREATE TABLE IF NOT EXISTS kontor.mails (
  id serial PRIMARY KEY, telefon text, email text, emne text, modtaget date, kontakt_slut date,
  begraenset boolean NOT NULL DEFAULT false);
CREATE TABLE IF NOT EXISTS kontor.kontrakter (
  id serial PRIMARY KEY, cpr text, navn text, adresse text, kommune text, ophoert date);

INSERT INTO kontor.kunder (id, fornavn, telefon, arbejdssted, kontakt_slut) VALUES
  (1, 'Mette', '+45 20 00 00 03', 'Vestby Bibliotek', NULL),
  (2, 'Karl', '+45 20 00 00 04', NULL, current_date - 400),
  (3, 'Sofie', '+45 20 00 00 05', 'Havnen A/S', NULL)
ON CONFLICT (id) DO NOTHING;
INSERT INTO kontor.tavlefotos (id, telefon, fil, taget) VALUES
  (1, '+45 20 00 00 03', 'tavle-2026-10-02.jpg', current_date - 50),
  (2, '+45 20 00 00 03', 'tavle-2026-11-06.jpg', current_date - 17),
  (3, '+45 20 00 00 05', 'tavle-2026-11-10.jpg', current_date - 13)
ON CONFLICT (id) DO NOTHING;
INSERT INTO kontor.mails (id, telefon, email, emne, modtaget, kontakt_slut) VALUES
  (1, '+45 20 00 00 03', 'mette@example.dk', 'Ny tid', current_date - 20, NULL),
  (2, '+45 20 00 00 04', 'karl@example.dk', 'Tak for forløbet', current_date - 410, current_date - 400),
  (3, '+45 20 00 00 05', 'sofie@example.dk', 'Aflysning', current_date - 5, NULL)
ON CONFLICT (id) DO NOTHING;
INSERT INTO kontor.kontrakter (id, cpr, navn, adresse, kommune, ophoert) VALUES
  (1, '010203-1234', 'Bo Jensen', 'Skovvej 2, 2620 Albertslund', 'Vestby Kommune', current_date - 100)
ON CONFLICT (id) DO NOTHING;
SELECT setval('kontor.kunder_id_seq', 100), setval('kontor.tavlefotos_id_seq', 100),
  setval('kontor.mails_id_seq', 100), setval('kontor.kontrakter_id_seq', 100);
