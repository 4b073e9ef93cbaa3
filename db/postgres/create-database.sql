-- Creates the posterm role and database on a PostgreSQL server. Run as a superuser:
--   sudo -u postgres psql -v password="'choose-a-password'" -f db/postgres/create-database.sql
-- then start each till with database_url = "postgresql://posterm:PASSWORD@HOST:5432/posterm".
-- posterm creates and upgrades its own tables on start (or with `posterm db upgrade`).

CREATE ROLE posterm LOGIN PASSWORD :password;
CREATE DATABASE posterm OWNER posterm ENCODING 'UTF8' TEMPLATE template0;
\connect posterm
-- PostgreSQL 15 no longer lets every role create tables in "public"; posterm's role must.
ALTER SCHEMA public OWNER TO posterm;
