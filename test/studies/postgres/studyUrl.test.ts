// Study URLs: what is a URL, what the client gets, and what messages may show (never a password).
import { describe, expect, it } from 'vitest';
import { isStudyUrl, parseStudyUrl, redactUrl } from '../../../electron/core/studies/studyUrl.ts';
import { StudyError } from '../../../electron/core/studies/types.ts';

describe('study URLs', () => {
  it('tells URLs from file paths', () => {
    expect(isStudyUrl('postgresql://u@h/db')).toBe(true);
    expect(isStudyUrl('postgres://u@h/db')).toBe(true);
    expect(isStudyUrl('postgresql+psycopg2://u@h/db')).toBe(true);
    expect(isStudyUrl('outputs/study.db')).toBe(false);
    expect(isStudyUrl('sqlite:///study.db')).toBe(false);
    expect(isStudyUrl('/data/postgresql://x')).toBe(false);
  });

  it('strips a SQLAlchemy driver suffix for the client and keeps query options (sslmode)', () => {
    const u = parseStudyUrl('postgresql+psycopg2://ann:p%40ss@db.example:6543/optuna?sslmode=require');
    expect(u.connectionString).toBe('postgresql://ann:p%40ss@db.example:6543/optuna?sslmode=require');
    expect(u).toMatchObject({ host: 'db.example', port: 6543, database: 'optuna', user: 'ann' });
    expect(u.redacted).toBe('postgresql://ann@db.example:6543/optuna?sslmode=require');
    expect(parseStudyUrl('postgres://h/db').port).toBe(5432);
  });

  it('never shows the password, even of a URL it cannot parse', () => {
    expect(redactUrl('postgresql://ann:hunter2@h:5432/db')).toBe('postgresql://ann@h:5432/db');
    expect(redactUrl('postgresql://ann:hun ter2@h:99999/db')).not.toContain('hun');
    for (const bad of ['postgresql://ann:hunter2@/db', 'postgresql://ann:hunter2@h:5432/', 'postgresql://ann:hunter2@h:bad/db']) {
      let err: unknown;
      try {
        parseStudyUrl(bad);
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(StudyError);
      expect((err as StudyError).code).toBe('BAD_URL');
      expect((err as StudyError).message).not.toContain('hunter2');
    }
  });
});
