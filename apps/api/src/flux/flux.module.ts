import { Module } from '@nestjs/common';
import { AgreeConventionController } from './agree-convention/agree-convention.controller.js';
import { AgreeConventionHandler } from './agree-convention/agree-convention.handler.js';
import { CloseBilanController } from './close-bilan/close-bilan.controller.js';
import { CloseBilanHandler } from './close-bilan/close-bilan.handler.js';
import { ConvertStockController } from './convert-stock/convert-stock.controller.js';
import { ListConventionsController } from './list-conventions/list-conventions.controller.js';
import { OrientFlatController } from './orient-flat/orient-flat.controller.js';
import { OrientFlatHandler } from './orient-flat/orient-flat.handler.js';
import { ReadBilanController } from './read-bilan/read-bilan.controller.js';
import { ReadConventionController } from './read-convention/read-convention.controller.js';
import { ReadLedgerController } from './read-ledger/read-ledger.controller.js';
import { ReleaseFlatController } from './release-flat/release-flat.controller.js';
import { ReleaseFlatHandler } from './release-flat/release-flat.handler.js';
import { ReturnFlatController } from './return-flat/return-flat.controller.js';
import { ReturnFlatHandler } from './return-flat/return-flat.handler.js';
import { RecordStockConversionController } from './record-stock-conversion/record-stock-conversion.controller.js';
import { RecordStockConversionHandler } from './record-stock-conversion/record-stock-conversion.handler.js';
import { ValidateHousingController } from './validate-housing/validate-housing.controller.js';
import { ValidateHousingHandler } from './validate-housing/validate-housing.handler.js';
import { ReviseConventionController } from './revise-convention/revise-convention.controller.js';
import { ReviseConventionHandler } from './revise-convention/revise-convention.handler.js';
import { SignConventionController } from './sign-convention/sign-convention.controller.js';
import { SignConventionHandler } from './sign-convention/sign-convention.handler.js';

export const FLUX_CONTROLLERS = [
  ConvertStockController,
  SignConventionController,
  ReviseConventionController,
  AgreeConventionController,
  ListConventionsController,
  ReadConventionController,
  ReleaseFlatController,
  OrientFlatController,
  ReturnFlatController,
  ReadBilanController,
  CloseBilanController,
  ReadLedgerController,
  RecordStockConversionController,
  ValidateHousingController,
];

/**
 * Gestion en flux: reservation conventions between a bailleur and a réservataire, the flats
 * released, oriented and returned each year, the annual bilan and the réservataire's audit ledger.
 */
@Module({
  controllers: FLUX_CONTROLLERS,
  providers: [
    SignConventionHandler,
    ReviseConventionHandler,
    AgreeConventionHandler,
    ReleaseFlatHandler,
    OrientFlatHandler,
    ReturnFlatHandler,
    CloseBilanHandler,
    RecordStockConversionHandler,
    ValidateHousingHandler,
  ],
})
export class FluxModule {}
