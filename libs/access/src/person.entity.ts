import { EntitySchema } from 'typeorm';
import type { Role } from './principal.js';

/** A row of `people` (created by the migration `access/002-people-and-sessions`). */
export interface PersonRow {
  id: string;
  name: string;
  email: string | null;
  role: Role;
  tenant: string | null;
  oidcSubject: string | null;
  createdAt: Date;
  createdBy: string;
  disabledAt: Date | null;
  disabledBy: string | null;
}

/** A row of `sign_in_links`: a one-time link's hash, the person it signs in, until when. */
export interface SignInLinkRow {
  tokenHash: Buffer;
  personId: string;
  expiresAt: Date;
  usedAt: Date | null;
  createdBy: string;
}

export const PersonEntity = new EntitySchema<PersonRow>({
  name: 'Person',
  tableName: 'people',
  columns: {
    id: { type: 'text', primary: true },
    name: { type: 'text' },
    email: { type: 'text', nullable: true, unique: true },
    role: { type: 'text' },
    tenant: { type: 'text', nullable: true },
    oidcSubject: { name: 'oidc_subject', type: 'text', nullable: true, unique: true },
    createdAt: { name: 'created_at', type: 'timestamptz', default: () => 'now()' },
    createdBy: { name: 'created_by', type: 'text' },
    disabledAt: { name: 'disabled_at', type: 'timestamptz', nullable: true },
    disabledBy: { name: 'disabled_by', type: 'text', nullable: true },
  },
});

export const SignInLinkEntity = new EntitySchema<SignInLinkRow>({
  name: 'SignInLink',
  tableName: 'sign_in_links',
  columns: {
    tokenHash: { name: 'token_hash', type: 'bytea', primary: true },
    personId: { name: 'person_id', type: 'text' },
    expiresAt: { name: 'expires_at', type: 'timestamptz' },
    usedAt: { name: 'used_at', type: 'timestamptz', nullable: true },
    createdBy: { name: 'created_by', type: 'text' },
  },
});
