import * as LakeMemory from "../../../src/layers/lake/LakeMemory.js"
import { lakeContract } from "../../support/lakeContract.js"

lakeContract("LakeMemory", () => LakeMemory.layer)
