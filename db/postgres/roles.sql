-- posterm's least-privilege PostgreSQL roles (README "PostgreSQL roles").
--
-- Usually applied by `posterm db grant`. By hand, as the owner of posterm's tables (or a
-- superuser), connected to the store's database with search_path set to posterm's schema:
--   psql "postgresql://postgres@HOST/posterm?options=-csearch_path%3Dpublic" -f roles.sql
-- Safe to run again: each role's privileges on the schema are revoked and granted afresh, so
-- tables added by a later `posterm db upgrade` get theirs on the next run.
--
-- Group roles (NOLOGIN; logins are made members of one of them):
--   PREFIX_readonly  SELECT on every table, except the password and PIN hashes of app_user
--   PREFIX_cashier   what a till does at the counter: sell, return, take credit payments,
--                    adjust stock, keep customers and products. Ledgers and completed
--                    documents are insert-only.
--   PREFIX_manager   everything a cashier may (the database cannot tell a void from a sale;
--                    posterm's services keep managers' extra rights)
--   PREFIX_owner     a manager plus store settings, tax rates and users
--   PREFIX_app       the shared application login's group: the same rights as an owner
-- Nobody of these may UPDATE or DELETE audit_event, a completed sale (sale, sale_line,
-- payment) or a ledger row (stock_movement, credit_entry, loyalty_entry, supplier_entry,
-- cash_movement, sale_line_batch), nor a received purchase. The one sale columns a till
-- writes after the sale row exists are printed/printed_at (the receipt came out); a sale's,
-- return's or void's loyalty figures go into the row's own INSERT.
--
-- PREFIX is 'posterm' unless the session setting posterm.role_prefix says otherwise
-- (`posterm db grant --role-prefix shop2`, or SET posterm.role_prefix = 'shop2' before this).

DO $roles$
DECLARE
    prefix text := coalesce(nullif(current_setting('posterm.role_prefix', true), ''), 'posterm');
    schema_name text := current_schema();
    app_role text := prefix || '_app';
    owner_role text := prefix || '_owner';
    manager_role text := prefix || '_manager';
    cashier_role text := prefix || '_cashier';
    readonly_role text := prefix || '_readonly';
    role_name text;
    tbl text;
    hidden_columns text[] := ARRAY['password_hash', 'pin_hash'];
    -- Written once, never changed or removed: the documents and the ledgers.
    insert_only text[] := ARRAY[
        'audit_event', 'sale', 'sale_line', 'payment', 'sale_line_batch',
        'stock_movement', 'credit_entry', 'loyalty_entry', 'supplier_entry',
        'cash_movement', 'purchase', 'purchase_line', 'batch'
    ];
    -- Master data and working state a till keeps up to date.
    editable text[] := ARRAY[
        'category', 'product', 'supplier', 'customer', 'shift', 'counter',
        'stock_count', 'stock_count_line'
    ];
    -- Scratch rows a till removes when done (parked bills, drafts) and rows kept by triggers.
    removable text[] := ARRAY[
        'held_sale', 'purchase_draft', 'product_extra_barcode', 'product_word'
    ];
    owner_only text[] := ARRAY['setting', 'tax_rate', 'app_user'];
BEGIN
    IF prefix !~ '^[a-z][a-z0-9_]{0,39}$' THEN
        RAISE EXCEPTION 'posterm.role_prefix "%" must be a lower-case letter, then up to 39 '
            'letters, digits or underscores', prefix;
    END IF;
    IF schema_name IS NULL THEN
        RAISE EXCEPTION 'no schema on the search_path; set it to posterm''s schema';
    END IF;
    IF to_regclass(quote_ident(schema_name) || '.sale') IS NULL
        OR to_regclass(quote_ident(schema_name) || '.audit_event') IS NULL THEN
        RAISE EXCEPTION 'schema "%" holds no posterm tables; run posterm db upgrade first',
            schema_name;
    END IF;

    FOREACH role_name IN ARRAY ARRAY[app_role, owner_role, manager_role, cashier_role,
                                     readonly_role] LOOP
        IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = role_name) THEN
            EXECUTE format('CREATE ROLE %I NOLOGIN', role_name);
        END IF;
        -- A fresh start on this schema: no privilege from an earlier run outlives its rule.
        EXECUTE format('REVOKE ALL ON ALL TABLES IN SCHEMA %I FROM %I', schema_name, role_name);
        EXECUTE format('REVOKE ALL ON ALL SEQUENCES IN SCHEMA %I FROM %I',
                       schema_name, role_name);
        EXECUTE format('GRANT USAGE ON SCHEMA %I TO %I', schema_name, role_name);
        EXECUTE format('GRANT SELECT ON ALL TABLES IN SCHEMA %I TO %I', schema_name, role_name);
    END LOOP;

    -- One chain of rights: app > owner > manager > cashier. Readonly stands apart.
    EXECUTE format('GRANT %I TO %I', cashier_role, manager_role);
    EXECUTE format('GRANT %I TO %I', manager_role, owner_role);
    EXECUTE format('GRANT %I TO %I', owner_role, app_role);

    -- Reports and outside tools read everything but the secrets.
    EXECUTE format('REVOKE SELECT ON %I.app_user FROM %I', schema_name, readonly_role);
    EXECUTE format(
        'GRANT SELECT (%s) ON %I.app_user TO %I',
        (SELECT string_agg(quote_ident(column_name), ', ' ORDER BY ordinal_position)
           FROM information_schema.columns
          WHERE table_schema = schema_name AND table_name = 'app_user'
            AND column_name <> ALL (hidden_columns)),
        schema_name, readonly_role);

    -- The counter: a till's own work.
    EXECUTE format('GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA %I TO %I',
                   schema_name, cashier_role);
    FOREACH tbl IN ARRAY insert_only LOOP
        EXECUTE format('GRANT INSERT ON %I.%I TO %I', schema_name, tbl, cashier_role);
    END LOOP;
    FOREACH tbl IN ARRAY editable LOOP
        EXECUTE format('GRANT INSERT, UPDATE ON %I.%I TO %I',
                       schema_name, tbl, cashier_role);
    END LOOP;
    FOREACH tbl IN ARRAY removable LOOP
        EXECUTE format('GRANT INSERT, UPDATE, DELETE ON %I.%I TO %I',
                       schema_name, tbl, cashier_role);
    END LOOP;
    -- A receipt printed after the commit (or a reprint due); nothing else of a sale changes.
    EXECUTE format('GRANT UPDATE (printed, printed_at) ON %I.sale TO %I',
                   schema_name, cashier_role);
    -- FIFO cost: what is left of each batch goes down as it sells.
    EXECUTE format('GRANT UPDATE (quantity_remaining, updated_at) ON %I.batch TO %I',
                   schema_name, cashier_role);
    -- A login counts failures and locks the account; it changes nothing else of a user.
    EXECUTE format(
        'GRANT UPDATE (failed_logins, locked_until, last_login_at) ON %I.app_user TO %I',
        schema_name, cashier_role);

    -- The owner's screens and commands: settings, tax rates, users.
    FOREACH tbl IN ARRAY owner_only LOOP
        EXECUTE format('GRANT INSERT, UPDATE ON %I.%I TO %I',
                       schema_name, tbl, owner_role);
    END LOOP;
END
$roles$;
