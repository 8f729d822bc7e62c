-- Omsorg Väst AB's systems, with fake customers. Run again, it changes
-- nothing.
CREATE SCHEMA IF NOT EXISTS vard;
CREATE SCHEMA IF NOT EXISTS marknad;
CREATE TABLE IF NOT EXISTS vard.kunder (
  id serial PRIMARY KEY, personnummer text, namn text, epost text, adress text, sparrad boolean NOT NULL DEFAULT false);
CREATE TABLE IF NOT EXISTS vard.dokumentation (
  id serial PRIMARY KEY, personnummer text, datum date, anteckning text, sparrad boolean NOT NULL DEFAULT false);
CREATE TABLE IF NOT EXISTS marknad.nyhetsbrev (
  id serial PRIMARY KEY, namn text, epost text, samtycke date, pausad boolean NOT NULL DEFAULT false);
CREATE TABLE IF NOT EXISTS marknad.marknadsforing (
  id serial PRIMARY KEY, personnummer text, namn text, epost text, sparrad boolean NOT NULL DEFAULT false);

INSERT INTO vard.kunder (id, personnummer, namn, epost, adress) VALUES
  (1, '19121212-1212', 'Eva Lind', 'eva.lind@example.se', 'Storgatan 1, 411 01 Göteborg'),
  (2, '19780202-2389', 'Nils Berg', 'nils.berg@example.se', 'Lillgatan 2, 411 02 Göteborg')
ON CONFLICT (id) DO NOTHING;
INSERT INTO vard.dokumentation (id, personnummer, datum, anteckning) VALUES
  (1, '19121212-1212', current_date - 400, 'Genomförandeplan för personlig assistans'),
  (2, '19121212-1212', current_date - 30, 'Anteckning om insats'),
  (3, '19780202-2389', current_date - 10, 'Journalanteckning')
ON CONFLICT (id) DO NOTHING;
INSERT INTO marknad.nyhetsbrev (id, namn, epost, samtycke) VALUES
  (1, 'Eva Lind', 'eva.lind@example.se', current_date - 300),
  (2, 'Nils Berg', 'nils.berg@example.se', current_date - 100)
ON CONFLICT (id) DO NOTHING;
INSERT INTO marknad.marknadsforing (id, personnummer, namn, epost) VALUES
  (1, '19121212-1212', 'Eva Lind', 'eva.lind@example.se'),
  (2, '19780202-2389', 'Nils Berg', 'nils.berg@example.se')
ON CONFLICT (id) DO NOTHING;
SELECT setval('vard.kunder_id_seq', 100), setval('vard.dokumentation_id_seq', 100),
  setval('marknad.nyhetsbrev_id_seq', 100), setval('marknad.marknadsforing_id_seq', 100);
