-- The demo source system of `rightsdesk dev`: a fictional municipality's
-- case system with fake citizens. Loaded once into the database demo_source.
CREATE SCHEMA IF NOT EXISTS borger;
CREATE TABLE IF NOT EXISTS borger.sagsnotater (
    id            serial PRIMARY KEY,
    cpr           text NOT NULL,
    notat         text NOT NULL,
    sidste_notat  timestamptz NOT NULL,
    begraenset    boolean NOT NULL DEFAULT false
);
CREATE TABLE IF NOT EXISTS borger.psykologjournal (
    id            serial PRIMARY KEY,
    cpr           text NOT NULL,
    journal       text NOT NULL,
    sidste_notat  timestamptz NOT NULL,
    begraenset    boolean NOT NULL DEFAULT false
);
CREATE TABLE IF NOT EXISTS borger.nyhedsbrev (
    id            serial PRIMARY KEY,
    email         text NOT NULL,
    navn          text,
    samtykke_givet timestamptz NOT NULL
);
CREATE TABLE IF NOT EXISTS borger.markedsfoering (
    id            serial PRIMARY KEY,
    email         text NOT NULL,
    telefon       text,
    kampagne      text NOT NULL
);
INSERT INTO borger.sagsnotater (cpr, notat, sidste_notat)
SELECT * FROM (VALUES
    ('070761-4285', 'Samtale om jobsøgning', now() - interval '7 years'),
    ('070761-4285', 'Aftale om praktik', now() - interval '6 years'),
    ('070761-4285', 'Opfølgning efter praktik', now() - interval '2 months'),
    ('010190-1236', 'Første samtale', now() - interval '1 year')) v
WHERE NOT EXISTS (SELECT 1 FROM borger.sagsnotater);
INSERT INTO borger.psykologjournal (cpr, journal, sidste_notat)
SELECT * FROM (VALUES
    ('070761-4285', 'Forløb hos psykolog, 4 sessioner', now() - interval '2 years'),
    ('070761-4285', 'Afsluttet forløb', now() - interval '9 years')) v
WHERE NOT EXISTS (SELECT 1 FROM borger.psykologjournal);
INSERT INTO borger.nyhedsbrev (email, navn, samtykke_givet)
SELECT * FROM (VALUES
    ('anna.hansen@example.dk', 'Anna Hansen', now() - interval '3 years'),
    ('bo@example.dk', 'Bo Nielsen', now() - interval '1 year')) v
WHERE NOT EXISTS (SELECT 1 FROM borger.nyhedsbrev);
INSERT INTO borger.markedsfoering (email, telefon, kampagne)
SELECT * FROM (VALUES
    ('anna.hansen@example.dk', '+45 12 34 56 78', 'Kursus i CV-skrivning'),
    ('bo@example.dk', NULL, 'Kursus i CV-skrivning')) v
WHERE NOT EXISTS (SELECT 1 FROM borger.markedsfoering);

-- The demo booking system, reached over http (the dev process serves it):
-- appointments booked by citizens, and the steps it carried out, by key.
CREATE SCHEMA IF NOT EXISTS booking;
CREATE TABLE IF NOT EXISTS booking.aftaler (
    id          serial PRIMARY KEY,
    cpr         text,
    email       text,
    tidspunkt   timestamptz NOT NULL,
    emne        text NOT NULL,
    begraenset  boolean NOT NULL DEFAULT false
);
CREATE TABLE IF NOT EXISTS booking.udfoert (
    key   text PRIMARY KEY,
    rows  bigint NOT NULL,
    at    timestamptz NOT NULL DEFAULT now()
);
INSERT INTO booking.aftaler (cpr, email, tidspunkt, emne)
SELECT * FROM (VALUES
    ('070761-4285', 'anna.hansen@example.dk', now() - interval '3 months', 'Samtale i jobcentret'),
    (NULL, 'anna.hansen@example.dk', now() + interval '2 weeks', 'Workshop: jobsøgning'),
    ('010190-1236', 'bo@example.dk', now() + interval '1 week', 'Samtale i jobcentret')) v
WHERE NOT EXISTS (SELECT 1 FROM booking.aftaler);
