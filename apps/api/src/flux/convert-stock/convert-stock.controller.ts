import { Contract } from '../../http/contract.js';
import { Body, Controller, HttpCode, Post } from '@nestjs/common';
import { JsonBody, KiB } from '../../http/body.js';
import { ApiTags } from '@nestjs/swagger';
import { z } from 'zod';
import { convertStock } from '@vigie/domain';
import { parseOrThrow } from '../../http/validation.js';
import { ALL_ROLES, Access } from '../../access/access.decorators.js';
import { NO_TENANT } from '../../access/tenancies.js';
import { freeText } from '../../http/free-text.js';

const share = z.number().min(0, 'Taux entre 0 et 1 (ex. 0.1 pour 10 %).').max(1, 'Taux entre 0 et 1 (ex. 0.1 pour 10 %).');
const count = z.number().int().min(0).max(10_000_000);
const years = z.number().positive().max(99);

const stockConversionSchema = z
  .object({
    stock: count,
    turnoverRates: z.array(share).min(1, 'Au moins une année de taux de rotation.').max(5),
    exclusions: z.record(freeText('Motif d’exclusion', { max: 60 }), count).default({}),
    method: z.enum(['global', 'per_convention']),
    conventions: z
      .array(z.object({ id: freeText('Nom de la convention', { max: 100 }), rights: count, remainingYears: years }).strict())
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
export class ConvertStockController {
  @Access({ roles: ALL_ROLES, tenancy: NO_TENANT })
  @JsonBody(128 * KiB)
  @Post()
  @HttpCode(200)
  @Contract({
    summary: 'Calculer la conversion du stock en flux (méthode globale ou par convention), chaque valeur intermédiaire exacte',
    answer: 'read',
    body: {
      schema: stockConversionSchema,
      example: {
        stock: 20000,
        turnoverRates: [0.09, 0.1, 0.11],
        exclusions: { mutationsInternes: 300, ventesHlm: 100 },
        method: 'per_convention',
        conventions: [
          { id: 'A', rights: 600, remainingYears: 6 },
          { id: 'B', rights: 400, remainingYears: 15 },
        ],
        spreadOverYears: 3,
        firstYear: 2026,
      },
    },
    errors: ['STOCK_CONVERSION_INVALID'],
  })
  convert(@Body() body: unknown) {
    return convertStock(parseOrThrow(stockConversionSchema, body));
  }
}
