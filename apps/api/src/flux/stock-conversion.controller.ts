import { Body, Controller, HttpCode, Post } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { z } from 'zod';
import { convertStock } from '@vigie/domain';
import { parseOrThrow } from '../http/validation.js';
import { ALL_ROLES, Access } from '../access/access.decorators.js';
import { NO_TENANT } from '../access/tenancies.js';

const share = z.number().min(0, 'Taux entre 0 et 1 (ex. 0.1 pour 10 %).').max(1, 'Taux entre 0 et 1 (ex. 0.1 pour 10 %).');
const count = z.number().int().min(0).max(10_000_000);
const years = z.number().positive().max(99);

/** The calculator's input; also what a convention records when its parties adopt a conversion. */
export const stockConversionSchema = z
  .object({
    stock: count,
    turnoverRates: z.array(share).min(1, 'Au moins une année de taux de rotation.').max(5),
    exclusions: z.record(z.string().min(1).max(60), count).default({}),
    method: z.enum(['global', 'per_convention']),
    conventions: z
      .array(z.object({ id: z.string().min(1).max(100), rights: count, remainingYears: years }).strict())
      .max(500)
      .optional(),
    rights: count.optional(),
    meanRemainingYears: years.optional(),
    spreadOverYears: z.number().int().min(1).max(30),
    firstYear: z.number().int().min(2000).max(2100),
    departements: z
      .array(
        z.object({ code: z.string().regex(/^(\d{2,3}|2[AB])$/, 'Code de département attendu (ex. 59).'), stock: count }).strict(),
      )
      .max(101)
      .optional(),
  })
  .strict();

@ApiTags('flux')
@Controller('v1/stock-conversions')
export class StockConversionController {
  @Access({ roles: ALL_ROLES, tenancy: NO_TENANT })
  @Post()
  @HttpCode(200)
  @ApiOperation({
    summary:
      'Stock → flux calculator (seed 003): gross and net base, rehousings owed (global or per-convention method), yearly spread, pro rata per département, every intermediate value',
  })
  convert(@Body() body: unknown) {
    return convertStock(parseOrThrow(stockConversionSchema, body));
  }
}
