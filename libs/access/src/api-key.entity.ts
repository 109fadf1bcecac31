import { EntitySchema } from 'typeorm';
import type { Role } from './principal.js';

/** A row of `api_keys` (created by the migration `access/001-api-keys`). */
export interface ApiKeyRow {
  id: string;
  role: Role;
  tenant: string | null;
  label: string;
  secretHash: Buffer;
  createdAt: Date;
  createdBy: string;
  revokedAt: Date | null;
  revokedBy: string | null;
}

export const ApiKeyEntity = new EntitySchema<ApiKeyRow>({
  name: 'ApiKey',
  tableName: 'api_keys',
  columns: {
    id: { type: 'text', primary: true },
    role: { type: 'text' },
    tenant: { type: 'text', nullable: true },
    label: { type: 'text' },
    secretHash: { name: 'secret_hash', type: 'bytea' },
    createdAt: { name: 'created_at', type: 'timestamptz', default: () => 'now()' },
    createdBy: { name: 'created_by', type: 'text' },
    revokedAt: { name: 'revoked_at', type: 'timestamptz', nullable: true },
    revokedBy: { name: 'revoked_by', type: 'text', nullable: true },
  },
});
