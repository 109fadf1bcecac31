import 'reflect-metadata';
import { Body, Controller, Get, Post } from '@nestjs/common';
import { JsonBody } from '../http/body.js';
import { CONTROLLERS } from '../app.module.js';
import { Access, Public } from './access.decorators.js';
import { assertEveryBodyIsDeclared, routeRules } from './route-rules.js';
import { NO_TENANT } from './tenancies.js';

const rule = { roles: ['admin'] as const, tenancy: NO_TENANT };

@Controller('undeclared')
class UndeclaredBody {
  @Access(rule)
  @Post()
  write(@Body() body: unknown) {
    return body;
  }
}

@Controller('unused')
class UnusedBody {
  @Access(rule)
  @JsonBody()
  @Post()
  write() {
    return null;
  }
}

@Controller('public')
class PublicBody {
  @Public()
  @JsonBody()
  @Post()
  write(@Body() body: unknown) {
    return body;
  }
}

@Controller('fine')
class Fine {
  @Access(rule)
  @JsonBody()
  @Post()
  write(@Body() body: unknown) {
    return body;
  }

  @Access(rule)
  @Get()
  read() {
    return null;
  }
}

describe('Every body is declared', () => {
  it('refuses to start with a body taken without a declared limit, declared but not taken, or on a public route', () => {
    for (const controller of [UndeclaredBody, UnusedBody, PublicBody]) {
      expect(() => assertEveryBodyIsDeclared([controller])).toThrow(/Routes whose body is not declared/);
    }
    expect(() => assertEveryBodyIsDeclared([Fine])).not.toThrow();
  });

  it('holds for the application: JSON writes take at most 256 KiB, imports are the one large body (a file streamed to disk: CSV in any encoding, NDJSON or XLSX)', () => {
    expect(() => assertEveryBodyIsDeclared(CONTROLLERS)).not.toThrow();
    const bodies = routeRules(CONTROLLERS).filter((route) => route.body);
    expect(bodies.length).toBeGreaterThan(20);
    for (const route of bodies) {
      if (route.path === '/v1/imports') expect(route.body).toMatchObject({ kind: 'file' });
      else
        expect({ route: route.path, kind: route.body?.kind, small: route.body!.limit <= 256 * 1024 }).toEqual({
          route: route.path,
          kind: 'json',
          small: true,
        });
    }
  });
});
