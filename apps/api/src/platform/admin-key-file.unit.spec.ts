import { adminKeyFileName } from './runtime.js';

describe('the file the first admin key is written to', () => {
  it('is admin.key for the embedded default (no DATABASE_URL), as the README tells', () => {
    expect(adminKeyFileName(undefined)).toBe('admin.key');
  });

  it('names the external database, so that a process on another database never overwrites it', () => {
    expect(adminKeyFileName('postgres://postgres@127.0.0.1:5451/vsrc')).toBe('admin.127.0.0.1_5451_vsrc.key');
    expect(adminKeyFileName('postgres://postgres@127.0.0.1/vigie')).toBe('admin.127.0.0.1_5432_vigie.key');
    expect(adminKeyFileName('postgres://postgres@127.0.0.1:5451/vsrc')).not.toBe(
      adminKeyFileName('postgres://postgres@127.0.0.1:5451/vdst'),
    );
  });

  it('keeps a file name safe whatever the database is called', () => {
    expect(adminKeyFileName('postgresql://u@db.example.fr:6432/vigie%2Fprod%20a')).toBe(
      'admin.db.example.fr_6432_vigie-prod-a.key',
    );
  });
});
