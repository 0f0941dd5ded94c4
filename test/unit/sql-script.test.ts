import assert from 'node:assert/strict';

import { splitSqlStatements, SqlScriptError, statementPreview } from '../../src/activities/database/sql-script';

describe('splitSqlStatements', () => {
  it('splits on semicolons and drops empty statements and lone comments', () => {
    assert.deepEqual(splitSqlStatements('UPDATE a SET x = 1;\n\n;DELETE FROM b; -- done\n', 'postgresql'), [
      'UPDATE a SET x = 1',
      'DELETE FROM b',
    ]);
  });

  it('keeps semicolons inside strings, quoted identifiers and comments', () => {
    const script = `UPDATE "we;ird" SET note = 'a;b' /* c;d */; -- e;f\nSELECT 'it''s;';`;
    assert.deepEqual(splitSqlStatements(script, 'postgresql'), [
      `UPDATE "we;ird" SET note = 'a;b' /* c;d */`,
      `-- e;f\nSELECT 'it''s;'`,
    ]);
  });

  it('keeps PostgreSQL dollar-quoted bodies and nested comments whole', () => {
    const script =
      'CREATE FUNCTION f() RETURNS int AS $body$ BEGIN RETURN 1; END; $body$ LANGUAGE plpgsql;\n' +
      'DO $$ BEGIN PERFORM 1; END $$;\n/* outer /* inner; */ still; */ SELECT 2;';
    const out = splitSqlStatements(script, 'postgresql');
    assert.equal(out.length, 3);
    assert.match(out[0], /RETURN 1; END; \$body\$ LANGUAGE plpgsql$/);
    assert.equal(out[1], 'DO $$ BEGIN PERFORM 1; END $$');
    assert.match(out[2], /SELECT 2$/);
  });

  it('honours MySQL backslash escapes, backticks and # comments', () => {
    const script = "UPDATE `t;1` SET s = 'a\\';b'; # x;y\nSELECT 1;";
    assert.deepEqual(splitSqlStatements(script, 'mysql'), ["UPDATE `t;1` SET s = 'a\\';b'", '# x;y\nSELECT 1']);
  });

  it('treats backslashes as plain in PostgreSQL standard strings, but not in E strings', () => {
    assert.deepEqual(splitSqlStatements("SELECT 'a\\'; SELECT E'b\\';c';", 'postgresql'), [
      "SELECT 'a\\'",
      "SELECT E'b\\';c'",
    ]);
  });

  it('refuses unterminated strings, comments and dollar quotes, and DELIMITER lines', () => {
    assert.throws(() => splitSqlStatements("SELECT 'oops;", 'postgresql'), SqlScriptError);
    assert.throws(() => splitSqlStatements('SELECT 1 /* never closed', 'mysql'), /unterminated \/\* comment/);
    assert.throws(() => splitSqlStatements('DO $x$ BEGIN END', 'postgresql'), /dollar-quoted/);
    assert.throws(() => splitSqlStatements('DELIMITER //\nSELECT 1//', 'mysql'), /DELIMITER is a mysql client command/);
  });

  it('previews a statement on one line, shortened', () => {
    assert.equal(statementPreview('UPDATE  t\n   SET x = 1'), 'UPDATE t SET x = 1');
    assert.equal(statementPreview('x'.repeat(200), 20), `${'x'.repeat(17)}...`);
  });
});
